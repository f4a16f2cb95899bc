# One image for every Ensemble process: web (gunicorn), Celery worker and beat,
# and the one-shot migrate step. docker-compose.yml picks the command.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

WORKDIR /app

# WeasyPrint (exported PDFs) needs Pango and HarfBuzz; DejaVu Sans is the documents' face.
RUN apt-get update \
    && apt-get install -y --no-install-recommends fonts-dejavu-core libpango-1.0-0 \
       libpangoft2-1.0-0 libharfbuzz-subset0 \
    && rm -rf /var/lib/apt/lists/*

# Editable install on purpose: the app finds migrations/ next to platform/
# (ensemble._migrations_dir), so the code has to stay in this tree rather than
# be copied into site-packages. No dev extras: tests do not run in the image.
# The code stays owned by root and the processes run as `ensemble`, so the app
# cannot rewrite itself; the only writable place is beat's schedule directory.
COPY . /app
RUN pip install -e . \
    && useradd --create-home --uid 10001 ensemble \
    && mkdir -p /var/lib/ensemble \
    && chown ensemble:ensemble /var/lib/ensemble

USER ensemble

EXPOSE 8000
CMD ["gunicorn", "--bind", "0.0.0.0:8000", "--access-logfile", "-", "ensemble.wsgi:app"]
