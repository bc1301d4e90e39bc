# The cvmreview image used by docker-compose.yml (web server and workers alike).
#
# Stage 1 builds the wheel exactly as `pip install .` does: setup.py compiles the engine's hot
# modules with mypyc (the full python image has the C compiler) and packs templates/, static/,
# migrations/ and alembic.ini into the package (app/_resources). tests/packaging/ builds a wheel
# from exactly the files copied here.
FROM python:3.11 AS build
WORKDIR /src
COPY pyproject.toml setup.py MANIFEST.in README.md alembic.ini ./
COPY app ./app
COPY migrations ./migrations
COPY templates ./templates
COPY static ./static
RUN pip wheel --no-cache-dir --no-deps --wheel-dir /wheels .

# Stage 2 installs that wheel (not the source tree): `cvmreview version` says "compiled".
FROM python:3.11-slim
COPY --from=build /wheels /wheels
RUN pip install --no-cache-dir /wheels/cvmreview-*.whl && rm -rf /wheels \
    && useradd --system --create-home cvmreview && cvmreview version
USER cvmreview
WORKDIR /home/cvmreview
EXPOSE 8000
CMD ["cvmreview", "serve", "--host", "0.0.0.0", "--port", "8000"]
