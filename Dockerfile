# ShopCrew web, worker and beat image.
FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 DJANGO_SETTINGS_MODULE=config.settings.production
WORKDIR /app

COPY . .
RUN pip install --no-cache-dir . \
 && SECRET_KEY=build SHOPCREW_FERNET_KEYS=$(python -c "import base64,os;print(base64.urlsafe_b64encode(os.urandom(32)).decode())") \
    python manage.py collectstatic --noinput -v0
RUN useradd --system --uid 10001 shopcrew && mkdir -p /app/var && chown shopcrew /app/var
USER shopcrew
EXPOSE 8000
CMD ["gunicorn", "config.wsgi:application", "--bind", "0.0.0.0:8000", "--workers", "3", "--access-logfile", "-", "--logger-class", "core.gunicorn.RedactingLogger"]
