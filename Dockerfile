# One image for every Python service of the stack (web, worker, beat, flower, migrate).
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    HSIM_VAR_DIR=/var/lib/hsim

WORKDIR /app
COPY requirements.txt .
RUN pip install -r requirements.txt

COPY . .
RUN useradd --system --home /app hsim \
    && mkdir -p /var/lib/hsim \
    && chown hsim /var/lib/hsim \
    && DATABASE_URL=sqlite:////tmp/collect.sqlite3 python manage.py collectstatic --noinput --verbosity 0
USER hsim

EXPOSE 8000
CMD ["gunicorn", "hsim_project.wsgi:application", "--bind", "0.0.0.0:8000", "--workers", "2", "--timeout", "60", "--no-control-socket"]
