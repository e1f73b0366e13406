FROM python:3.12-slim
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 BENCH_TOOLS=0
WORKDIR /app
COPY pyproject.toml README.md ./
RUN pip install --no-cache-dir '.[s3]'
COPY . .
RUN rm -rf bench tests
# Hashed, compressed static files for whitenoise; a build-time key only.
RUN SECRET_KEY=collectstatic-only-build-time-key-never-used-at-run-time-0123456789 \
    python manage.py collectstatic --noinput
RUN useradd --system dealreg && mkdir -p /app/media && chown dealreg /app/media
USER dealreg
EXPOSE 8000
# MIGRATE_ON_START=0 on every node but one: two nodes must not migrate at once.
CMD ["sh", "-c", "if [ \"${MIGRATE_ON_START:-1}\" = 1 ]; then python manage.py migrate --noinput; fi && exec gunicorn dealreg.wsgi --bind 0.0.0.0:8000 --workers ${GUNICORN_WORKERS:-2} --worker-class gthread --threads ${GUNICORN_THREADS:-4} --timeout 60 --access-logfile -"]
