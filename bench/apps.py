from django.apps import AppConfig


class BenchConfig(AppConfig):
    """Benchmark and scale-seeding tooling: `bench`, `seed_scale`. Not part of the product;
    it drives the portal's own pages, selectors and filters from outside."""

    name = "bench"
    verbose_name = "Benchmarks"
