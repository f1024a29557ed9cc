# One image for the API and both workers; compose picks the command.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1
WORKDIR /app
# Tesseract's Danish and orientation data for the OCR stage (tesserocr brings its own libtesseract).
RUN apt-get update && apt-get install -y --no-install-recommends tesseract-ocr tesseract-ocr-dan tesseract-ocr-osd \
    && rm -rf /var/lib/apt/lists/*
COPY pyproject.toml README.md ./
COPY api api
COPY worker worker
COPY models models
COPY cli cli
COPY training training
COPY migrations migrations
COPY alembic.ini ./
RUN pip install --upgrade pip && pip install -e .
RUN useradd --create-home --uid 10001 contractner
USER contractner
EXPOSE 8000
CMD ["contract-ner", "run", "--host", "0.0.0.0"]
