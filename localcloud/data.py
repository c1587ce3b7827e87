"""The demo's data set: daily bike-share demand, generated (nothing is downloaded).

One CSV per day, as in the original sample (`data/<model>/train/YYYY-MM-DD.csv`, no header,
the target first, as SageMaker's Linear Learner expects). Each row is one hour at one station:

    rentals, temperature_c, humidity_pct, wind_kmh, hour_sin, hour_cos, is_weekend, rain_mm

`rentals` is a linear function of the features plus noise, with the coefficients below, so a
correct linear regression recovers them: the demo prints what the model learned next to them.
Generation is seeded by the date, so a day's file is the same on every machine.
"""

from __future__ import annotations

import hashlib
import math
from datetime import date

import numpy as np

FEATURES = (
    "temperature_c",
    "humidity_pct",
    "wind_kmh",
    "hour_sin",
    "hour_cos",
    "is_weekend",
    "rain_mm",
)
TRUE_INTERCEPT = 120.0
TRUE_COEFFICIENTS = (3.1, -0.3, -0.6, -12.0, -18.5, 9.0, -4.2)
NOISE_SD = 4.0
STATIONS = 10


def daily_rows(day: date, stations: int = STATIONS) -> list[list[float]]:
    """24 hours x `stations` rows for `day`: [rentals, *features]."""
    seed = int.from_bytes(hashlib.sha256(day.isoformat().encode()).digest()[:8], "big")
    rng = np.random.default_rng(seed)
    season = math.sin(2 * math.pi * (day.timetuple().tm_yday - 110) / 365)
    hours = np.repeat(np.arange(24), stations)
    temperature = 12 + 10 * season + 6 * np.sin(2 * np.pi * (hours - 9) / 24)
    temperature = temperature + rng.normal(0, 2.0, hours.size)
    humidity = np.clip(70 - 1.2 * (temperature - 12) + rng.normal(0, 8, hours.size), 15, 100)
    wind = np.clip(rng.gamma(2.0, 6.0, hours.size), 0, 80)
    rain = np.where(rng.random(hours.size) < 0.15, rng.gamma(1.5, 2.0, hours.size), 0.0)
    weekend = np.full(hours.size, 1.0 if day.weekday() >= 5 else 0.0)
    features = np.column_stack(
        [
            temperature,
            humidity,
            wind,
            np.sin(2 * np.pi * hours / 24),
            np.cos(2 * np.pi * hours / 24),
            weekend,
            rain,
        ]
    )
    rentals = TRUE_INTERCEPT + features @ np.array(TRUE_COEFFICIENTS)
    # Demand cannot be negative; with these coefficients the floor touches ~1 row in 15,000.
    rentals = np.maximum(rentals + rng.normal(0, NOISE_SD, hours.size), 0.0)
    table = np.column_stack([rentals, features])
    return [[round(float(value), 4) for value in row] for row in table]


def shuffled_labels(rows: list[list[float]], day: date) -> list[list[float]]:
    """`rows` with their labels permuted across the rows (seeded by `day`): a broken export
    whose columns are each intact (no per-column statistic moves) but whose labels no longer
    belong to their features."""
    labels = [row[0] for row in rows]
    order = np.random.default_rng(_seed("shuffled labels", day)).permutation(len(rows))
    return [[labels[int(index)], *row[1:]] for index, row in zip(order, rows, strict=True)]


def _seed(purpose: str, day: date) -> int:
    return int.from_bytes(
        hashlib.sha256(f"{purpose} {day.isoformat()}".encode()).digest()[:8], "big"
    )


# Hours of the day the demo asks about: morning, midday and evening traffic.
SAMPLE_HOURS = (8, 13, 18, 23)


def feature_rows(day: date, count: int = 3) -> list[list[float]]:
    """Feature-only rows (no target) at different hours, for asking the endpoint."""
    rows = daily_rows(day)
    picked = [rows[hour * STATIONS] for hour in SAMPLE_HOURS[:count]]
    return [row[1:] for row in picked]


def expected_rentals(features: list[float]) -> float:
    return TRUE_INTERCEPT + sum(c * x for c, x in zip(TRUE_COEFFICIENTS, features, strict=True))
