#!/usr/bin/env bash
# Serve the Flask baseline with gunicorn: 2 sync workers on 127.0.0.1:${PORT:-5000}.
# The access log is off (gunicorn writes none unless --access-logfile is given).
# FLASK_DB_PATH (default bench/flask/a.db) and BCRYPT_COST (default 10) pass through.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"
exec /usr/bin/python3 -m gunicorn \
  --workers 2 --worker-class sync \
  --bind "127.0.0.1:${PORT:-5000}" \
  --log-level warning \
  app:app
