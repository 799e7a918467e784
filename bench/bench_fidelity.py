"""Fidelity figures of a simulated year of the default building (issue 12's "Done when").

    .venv/bin/python bench/bench_fidelity.py [--year 2026]

Prints each figure next to its target; `n/a` where hsim does not model it yet. Clean data
(no noise, dropouts, stale runs, drift or faults) so the figures describe the physics.
"""

import argparse
import sys
import warnings
from datetime import datetime, timezone
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from simulator_app.engine import generate, parse_spec, weather_files  # noqa: E402
from simulator_app.engine.clock import local_clock  # noqa: E402

CLEAN = {"noise_scale": 0, "dropout_rate": 0, "stale_rate": 0, "drift_fraction": 0,
         "outage_rate": 0}
NY_DESIGN_LOW_F = 14.0  # ASHRAE 99.6 % heating dry bulb, New York (13-15 °F by station)
NY_GHI_KWH_M2 = 1480.0  # NSRDB typical year, New York City (~4.05 kWh/m²·day)


def year_of(spec, year):
    start = datetime(year, 1, 1, tzinfo=timezone.utc)
    batch, _ = generate(spec, None, start, start.replace(year=year + 1))
    return batch


def column(batch, key):
    return batch.values[:, batch.points.index(key)]


def weekday_correlation(kw, clock):
    """Mean Pearson r of each working day's kW profile with the next working day's."""
    days = {}
    for i, d in enumerate(clock.day):
        days.setdefault(int(d), []).append(i)
    work = [d for d, rows in sorted(days.items()) if len(rows) == 96
            and clock.weekday[rows[0]] < 5 and not clock.holiday[rows[0]]]
    r = [np.corrcoef(kw[days[a]], kw[days[b]])[0, 1] for a, b in zip(work, work[1:])]
    return float(np.mean(r))


def runs(on):
    """(starts, share of runs lasting one interval) of a bool series."""
    edges = np.diff(np.concatenate([[0], on.astype(np.int8), [0]]))
    begin, end = np.flatnonzero(edges == 1), np.flatnonzero(edges == -1)
    lengths = end - begin
    return len(begin), float((lengths == 1).mean()) if len(lengths) else 0.0


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--year", type=int, default=2026)
    args = parser.parse_args()
    spec = parse_spec({"data_quality": CLEAN, "faults": []})
    batch = year_of(spec, args.year)
    clock = local_clock(batch.ts, spec.site.time_zone, spec.schedule.holidays)
    kw = column(batch, "elec-meter.power")
    print(f"default building, {args.year}, {len(batch.ts)} intervals, clean data")

    r = weekday_correlation(kw, clock)
    print(f"weekday building-kW day-to-day correlation: {r:.3f}   (target 0.90-0.96)")
    night = (clock.minute >= 60) & (clock.minute < 300)
    nightly = np.array([kw[night & (clock.day == d)].mean() for d in np.unique(clock.day)
                        if (night & (clock.day == d)).any()])
    print(f"night base (01-05 h mean kW, median night) / annual peak: "
          f"{np.median(nightly) / kw.max():.1%}   (target 25-50 %)")

    for chiller in ("chiller-1", "chiller-2"):
        starts, single = runs(column(batch, f"{chiller}.run") > 0)
        print(f"{chiller}: {starts} starts/yr, {single:.1%} single-interval runs   "
              "(target < 150, < 10 %)")
    for boiler in ("boiler-1", "boiler-2"):
        starts, single = runs(column(batch, f"{boiler}.run") > 0)
        print(f"{boiler}: {starts} starts/yr, {single:.1%} single-interval runs")
    both = ((column(batch, "chiller-1.run") > 0) & (column(batch, "chiller-2.run") > 0)).sum()
    print(f"both chillers running: {both} intervals/yr")
    ahu = [runs(column(batch, f"ahu-{i}.fan-run") > 0) for i in range(1, 5)]
    print(f"AHU fan single-interval runs: {np.mean([r[1] for r in ahu]):.1%}   (target < 10 %)")
    print(f"AHU starts/yr: {np.mean([r[0] for r in ahu]):.0f} per AHU (night cycles with a "
          "45-minute minimum run, optimal starts)")

    residual = []
    cfm = spec.equipment.vav_max_cfm
    for key in [k for k in batch.points if k.endswith(".airflow")]:
        vav = key.split(".")[0]
        flow, damper = column(batch, key), column(batch, f"{vav}.damper")
        on = damper > 0
        residual.append((flow[on] - damper[on] / 100.0 * cfm) / cfm)
    std = float(np.concatenate(residual).std())
    print(f"VAV flow residual std % of design (airflow minus command-implied flow): {std:.1%}"
          "   (target 2-8 %)")

    oat = column(batch, "weather.air-temp")
    low = np.percentile(oat, 0.4)
    print(f"99.6 % low (synthetic New York): {low:.1f} °F, design {NY_DESIGN_LOW_F:.0f} °F, "
          f"off by {low - NY_DESIGN_LOW_F:+.1f} °F   (target within 3 °F)")
    ghi = column(batch, "weather.solar-irradiance").sum() * spec.interval_seconds / 3.6e6
    print(f"annual GHI (synthetic New York): {ghi:,.0f} kWh/m², measured {NY_GHI_KWH_M2:,.0f} "
          f"({ghi / NY_GHI_KWH_M2 - 1:+.1%})   (target within 5 %)")
    file_spec = parse_spec({"data_quality": CLEAN, "faults": [],
                            "weather": {"preset": "greensboro"}})
    file_year = year_of(file_spec, args.year)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        import pvlib

        data, _ = pvlib.iotools.read_tmy3(str(weather_files.packaged_path("greensboro")),
                                          map_variables=True)
    replayed = column(file_year, "weather.solar-irradiance").sum() * 900 / 3.6e6
    print(f"annual GHI (Greensboro TMY3 preset): {replayed:,.0f} kWh/m², file "
          f"{data['ghi'].sum() / 1000:,.0f} ({replayed / (data['ghi'].sum() / 1000) - 1:+.1%})")

    co2 = np.stack([column(batch, k) for k in batch.points if k.endswith(".zone-co2")], 1)
    occupied = np.stack([column(batch, k) > 0 for k in batch.points
                         if k.endswith(".occupied")], 1)
    lighting = column(batch, "lighting-meter.power")
    print(f"zone CO₂ while occupied: {co2[occupied].min():.0f}-{co2[occupied].max():.0f} ppm "
          f"(target 400-1,200), correlation of building CO₂ with occupancy (lighting): "
          f"{np.corrcoef(co2.mean(axis=1), lighting)[0, 1]:.2f}")


if __name__ == "__main__":
    main()
