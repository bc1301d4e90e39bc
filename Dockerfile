# The cvmreview image used by docker-compose.yml (web server and workers alike).
FROM python:3.11-slim
WORKDIR /srv/cvmreview
COPY pyproject.toml README.md alembic.ini ./
COPY app ./app
COPY migrations ./migrations
COPY templates ./templates
COPY static ./static
# Editable: migrations/, templates/ and static/ are found next to app/.
RUN pip install --no-cache-dir -e . && useradd --system cvmreview
USER cvmreview
EXPOSE 8000
CMD ["cvmreview", "serve", "--host", "0.0.0.0", "--port", "8000"]
