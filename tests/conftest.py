"""The actors of every test, and deals in each status made through the real workflow."""

import datetime

import pytest
from django.core.cache import cache

from portal import workflow
from portal.models import Deal
from tests import factories


@pytest.fixture
def partner_user(db):
    return factories.PartnerUserFactory(username="partner_a")


@pytest.fixture
def other_partner_user(db):
    return factories.PartnerUserFactory(username="partner_b")


@pytest.fixture
def distributor_user(db):
    return factories.DistributorUserFactory(username="distributor_x")


@pytest.fixture
def other_distributor_user(db):
    return factories.DistributorUserFactory(username="distributor_y")


@pytest.fixture
def reviewer(db):
    return factories.ReviewerFactory(username="reviewer")


@pytest.fixture
def staff_without_permission(db):
    return factories.UserFactory(username="staff_only", is_staff=True)


@pytest.fixture
def superuser(db):
    return factories.UserFactory(username="root", is_staff=True, is_superuser=True)


@pytest.fixture
def make_deal(partner_user, distributor_user, reviewer):
    """make_deal(status) -> a deal of partner_user's partner naming distributor_user's
    distributor, brought to `status` through the workflow."""

    def make(status: str = Deal.Status.SUBMITTED, **kwargs) -> Deal:
        kwargs.setdefault("partner", partner_user.partner)
        kwargs.setdefault("registered_by", partner_user)
        kwargs.setdefault("distributor", distributor_user.distributor)
        deal = factories.DealFactory(**kwargs)
        if status == Deal.Status.DRAFT:
            return deal
        workflow.submit(deal=deal, by=deal.registered_by)
        if status == Deal.Status.SUBMITTED:
            return deal
        if status == Deal.Status.ACTION_REQUIRED:
            from portal import action_required
            from portal.models import ReviewReason

            action_required.request_action(
                deal=deal, by=reviewer, reasons=[ReviewReason.objects.get(code="other")],
                message="Tell us more about the project.",
            )  # fmt: skip
            deal.refresh_from_db()
            return deal
        if status == Deal.Status.REJECTED:
            return workflow.reject(deal=deal, by=reviewer, reason="Duplicate registration.")
        if status == Deal.Status.WITHDRAWN:
            return workflow.withdraw(deal=deal, by=deal.registered_by)
        workflow.approve(deal=deal, by=reviewer)
        if status == Deal.Status.EXPIRED:
            return workflow.expire(deal=deal, today=deal.validity_end + datetime.timedelta(days=1))
        if status == Deal.Status.WON:
            return workflow.mark_won(deal=deal, by=deal.registered_by)
        if status == Deal.Status.LOST:
            return workflow.mark_lost(deal=deal, by=deal.registered_by)
        return deal

    return make


@pytest.fixture(autouse=True)
def _empty_cache():
    # The configured cache outlives a test's rolled-back database: start each test empty.
    cache.clear()
    yield
    cache.clear()


@pytest.fixture(autouse=True)
def fast_password_hasher(settings):
    # Real hashing costs ~0.2 s per user; tests only need passwords to check.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def unhashed_static_files(settings):
    # Production serves collected, hashed files; tests render pages without collectstatic.
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


@pytest.fixture(autouse=True)
def english_after_each_test():
    # A request in Polish leaves Polish active in the thread; the next test starts in English.
    yield
    from django.conf import settings
    from django.utils import translation

    translation.activate(settings.LANGUAGE_CODE)


pytest_plugins = ["tests.browser"]
# The Register a Deal wizard's catalogue fixture and step answers.
pytest_plugins += ["tests.wizard_steps"]


@pytest.fixture
def make_other_deal(make_deal, other_partner_user, other_distributor_user):
    """make_other_deal(status) -> like make_deal, but a deal of other_partner_user's partner
    naming other_distributor_user's distributor: everything partner_a and distributor_x
    must never see."""

    def make(status: str = Deal.Status.SUBMITTED, **kwargs) -> Deal:
        kwargs.setdefault("partner", other_partner_user.partner)
        kwargs.setdefault("registered_by", other_partner_user)
        kwargs.setdefault("distributor", other_distributor_user.distributor)
        return make_deal(status, **kwargs)

    return make


@pytest.fixture(scope="session", autouse=True)
def _attachments_in_a_temporary_folder(tmp_path_factory):
    """Uploaded files go to a folder of the test run, not the checkout's media/."""
    from django.conf import settings
    from django.test.utils import override_settings

    location = str(tmp_path_factory.mktemp("attachments"))
    attachments = {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": location},
    }
    with override_settings(STORAGES={**settings.STORAGES, "attachments": attachments}):
        yield


@pytest.fixture(autouse=True)
def _no_second_factor_required(settings):
    """Reviewers log in with force_login all over the suite; tests/test_mfa.py turns the
    requirement on where it is what is tested."""
    settings.MFA_REQUIRED_FOR_REVIEWERS = False
