# Peisong API server: `docker build -t peisong . && docker run -p 8000:8000 -v peisong:/data peisong`
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PEISONG_DATA_DIR=/data \
    PEISONG_DATABASE_URL=sqlite:////data/peisong.db \
    PORT=8000

RUN useradd --create-home --uid 10001 peisong && mkdir -p /data && chown peisong:peisong /data

WORKDIR /app
COPY pyproject.toml README.md ./
COPY domain ./domain
COPY projections ./projections
COPY api ./api
COPY solver ./solver
COPY sim ./sim
RUN pip install '.[postgres]'

USER peisong
VOLUME ["/data"]
EXPOSE 8000

HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
  CMD ["python", "-c", "import os, sys, urllib.request; sys.exit(0 if urllib.request.urlopen('http://127.0.0.1:%s/health' % os.environ.get('PORT', '8000'), timeout=4).status == 200 else 1)"]

CMD ["sh", "-c", "exec peisong serve --host 0.0.0.0 --port \"${PORT}\""]
