"""Seed the users table: python3 seed.py --users N

Inserts user{i}@example.com (i = 0..N-1), all with one precomputed bcrypt hash of "password"
(cost BCRYPT_COST, default 10), by executemany in one transaction per 10k rows. Emails that
already exist are skipped, so seeding twice is harmless.
"""
import argparse
import os
import time

import bcrypt
from sqlalchemy import func, insert, select

from db import DB_PATH, Base, User, make_engine

BATCH = 10_000


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, required=True, help="number of users")
    args = parser.parse_args()

    cost = int(os.environ.get("BCRYPT_COST", "10"))
    hashed = bcrypt.hashpw(b"password", bcrypt.gensalt(cost)).decode("utf-8")

    engine = make_engine(DB_PATH)
    Base.metadata.create_all(engine)
    stmt = insert(User.__table__).prefix_with("OR IGNORE")

    start = time.perf_counter()
    inserted = 0
    for lo in range(0, args.users, BATCH):
        rows = [{"email": f"user{i}@example.com", "hashed_password": hashed}
                for i in range(lo, min(lo + BATCH, args.users))]
        with engine.begin() as conn:  # one transaction per batch, executemany inside
            inserted += conn.execute(stmt, rows).rowcount
    with engine.connect() as conn:
        total = conn.execute(select(func.count()).select_from(User.__table__)).scalar_one()
    engine.dispose()
    print(f"inserted {inserted} users ({total} in {DB_PATH}) "
          f"in {time.perf_counter() - start:.2f}s")


if __name__ == "__main__":
    main()
