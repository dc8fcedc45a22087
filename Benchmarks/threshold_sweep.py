"""The reference the tuning benchmark is compared with: a vectorised numpy sweep of a bare
price-threshold rule ("run the whole site while the price is below T") over one year of ERCOT
HB_WEST 15-minute prices, on one core. No engine, no hysteresis, no wake-up losses.

    python3 Benchmarks/threshold_sweep.py [DATA_DIR] [YEAR]

Prints candidate-years per minute; `curtail-bench tune` times the same computation in Swift
and the full engine in the same run.
"""
import sys
import time

import numpy as np

data = sys.argv[1] if len(sys.argv) > 1 else "../shared/data"
year = sys.argv[2] if len(sys.argv) > 2 else "2023"

prices = []
with open(f"{data}/ercot_rtm_spp_hb_west_15min.csv") as f:
    next(f)
    for line in f:
        stamp, price = line.rstrip("\n").split(",")
        if stamp.startswith(year) and price:
            prices.append(float(price))
hash_price = {}
with open(f"{data}/btc_daily.csv") as f:
    header = next(f).rstrip("\n").split(",")
    column = header.index("hashprice_usd_per_th_day")
    for line in f:
        fields = line.rstrip("\n").split(",")
        if fields[0].startswith(year) and fields[column]:
            hash_price[fields[0]] = float(fields[column])
price = np.array(prices)
# The example site: 3,000 miners, about 9.6 MW and 444,000 TH/s; a year-average hash price.
mw, th = 9.578, 444_000.0
revenue = np.full(price.shape, np.mean(list(hash_price.values())) * 0.98 * th * 0.25 / 24)
cost = mw * price * 0.25
margin = revenue - cost

thresholds = np.arange(0, 1000, 0.5)
start = time.perf_counter()
best = -np.inf
for chunk in np.array_split(thresholds, 20):
    mask = price[None, :] < chunk[:, None]
    profit = (mask * margin[None, :]).sum(axis=1)
    best = max(best, profit.max())
elapsed = time.perf_counter() - start
years = len(price) / (365 * 96)
print(f"numpy threshold sweep: {len(thresholds)} candidates over {len(price)} intervals in {elapsed:.3f} s: "
      f"{len(thresholds) * years / elapsed * 60:,.0f} candidate-years/min (one core); best {best:,.0f} USD")
