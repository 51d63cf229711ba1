"""The monitor's human-readable outputs: the drift PNG and a self-contained HTML page
(the PNG inline as a data URI, tables of every check), both from report.json's content."""

from __future__ import annotations

import base64
import html as html_lib
import io
import math

import matplotlib

matplotlib.use("Agg")   # no display in a processing job
import matplotlib.pyplot as plt

COLOURS = {"ok": "#4c9a2a", "warn": "#e0a100", "alert": "#c8322b", "insufficient_data": "#9e9e9e"}
BASELINE, WINDOW = "#8fa8c8", "#d9822b"
PLOTTED = ("prediction", "trip_distance_m", "pickup_hour")   # the ones a person looks at first


def _fmt(value, spec: str = ".3f") -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "-"
    return format(value, spec) if isinstance(value, int | float) else str(value)


def _bars(ax, title: str, dist: dict, verdict: str) -> None:
    labels = dist["labels"]
    xs = range(len(labels))
    ax.bar([x - 0.2 for x in xs], dist["baseline"], width=0.4, color=BASELINE, label="training baseline")
    ax.bar([x + 0.2 for x in xs], dist["window"], width=0.4, color=WINDOW, label="this window")
    step = max(1, len(labels) // 12)
    ax.set_xticks(list(xs)[::step], labels[::step], rotation=45, ha="right", fontsize=7)
    ax.set_ylabel("share of rows")
    ax.set_title(title, fontsize=10, color=COLOURS.get(verdict, "black"))
    ax.legend(fontsize=7)


def drift_png(report: dict) -> bytes:
    feats = report["features"]
    pred = report["prediction_shift"]
    fig, axes = plt.subplots(2, 2, figsize=(12, 8), dpi=100)
    # PSI per column, coloured by its verdict, with the two thresholds drawn
    names = [*feats, "prediction"]
    psis = [feats[n]["psi"] if n in feats else pred["psi"] for n in names]
    verdicts = [feats[n]["psi_verdict"] if n in feats else pred["psi_verdict"] for n in names]
    ax = axes[0][0]
    ax.barh(names, [0 if v is None or math.isnan(v) else v for v in psis],
            color=[COLOURS[v] for v in verdicts])
    t = report["thresholds"]
    ax.axvline(t["psi_warn"], color=COLOURS["warn"], linestyle="--", linewidth=1, label=f"warn {t['psi_warn']:g}")
    ax.axvline(t["psi_alert"], color=COLOURS["alert"], linestyle="--", linewidth=1,
               label=f"alert {t['psi_alert']:g}")
    ax.invert_yaxis()
    ax.set_xlabel("population stability index (PSI)")
    ax.set_title("Drift per feature vs the training baseline", fontsize=10)
    ax.legend(fontsize=7, loc="lower right")
    ax.tick_params(axis="y", labelsize=8)
    for ax, name in zip((axes[0][1], axes[1][0], axes[1][1]), PLOTTED, strict=True):
        col = pred if name == "prediction" else feats[name]
        ks = col.get("ks") or {}
        title = (f"{'predicted duration_s' if name == 'prediction' else name}: PSI {_fmt(col['psi'], '.2f')}, "
                 f"KS D {_fmt(ks.get('statistic'), '.2f')}")
        _bars(ax, title, col["distribution"], col["psi_verdict"])
    q = report["model_quality"]
    quality = (f"MAE {_fmt(q['mae'], '.0f')} s (training {_fmt(q['baseline_mae'], '.0f')} s), "
               f"p90 |error| {_fmt(q['p90_absolute_error'], '.0f')} s, bias {_fmt(q['bias'], '+.0f')} s, "
               f"labels {_fmt(q['label_coverage'], '.0%')}" if q["rows_labelled"] else "no labels yet")
    fig.suptitle(f"ETA model monitor: {report['verdict'].upper()}  |  {report['window']['rows']:,} rows  |  "
                 f"{quality}", fontsize=11, color=COLOURS.get(report["verdict"], "black"))
    fig.tight_layout(rect=(0, 0, 1, 0.96))
    buf = io.BytesIO()
    # fixed metadata: the same report gives the same bytes
    fig.savefig(buf, format="png", metadata={"Software": None})
    plt.close(fig)
    return buf.getvalue()


def _row(cells: list, verdict: str | None = None) -> str:
    style = f' style="color:{COLOURS[verdict]};font-weight:bold"' if verdict else ""
    tds = "".join(f"<td>{html_lib.escape(str(c))}</td>" for c in cells[:-1])
    last = html_lib.escape(str(cells[-1]))
    return f"<tr>{tds}<td{style}>{last}</td></tr>"


def html(report: dict, png: bytes) -> str:
    esc = html_lib.escape
    w, q, p = report["window"], report["model_quality"], report["prediction_shift"]
    feature_rows = []
    for name, r in [*report["features"].items(), ("prediction", p)]:
        ks = r.get("ks") or {}
        worst = max((r["psi_verdict"], ks.get("verdict", "ok")),
                    key=lambda v: {"ok": 0, "insufficient_data": 0, "warn": 1, "alert": 2}[v])
        feature_rows.append(_row([name, _fmt(r["psi"]), _fmt(ks.get("statistic")),
                                  _fmt(ks.get("p_value"), ".2g"), r["missing"], r["out_of_range"],
                                  r.get("unseen", "-"), worst], worst))
    violations = "".join(_row([v["feature_name"], v["constraint_check_type"], v["count"], v["description"]])
                         for v in report["violations"]) or "<tr><td colspan=4>none</td></tr>"
    bad = w["unreadable"]
    bad_rows = "".join(_row([reason, n]) for reason, n in bad["by_reason"].items()) or \
        "<tr><td colspan=2>none</td></tr>"
    quality_rows = "".join(_row([k, _fmt(q[k])]) for k in ("rows_labelled", "label_coverage", "labels_unmatched",
                                                             "mae", "baseline_mae", "mae_ratio",
                                                             "p90_absolute_error", "bias", "rmse"))
    verdict = report["verdict"]
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>ETA model monitor: {esc(verdict)}</title>
<style>body{{font-family:sans-serif;margin:2em;max-width:1250px}}table{{border-collapse:collapse;margin:1em 0}}
td,th{{border:1px solid #ccc;padding:3px 8px;text-align:right}}th{{background:#eee}}
.verdict{{color:{COLOURS.get(verdict, "black")}}}</style></head><body>
<h1>ETA model monitor: <span class="verdict">{esc(verdict.upper())}</span></h1>
<p>Window {esc(str(w['start_time'] or 'all'))} to {esc(str(w['end_time'] or 'all'))}: {w['rows']:,} rows,
{bad['total']:,} unreadable records, {len(report['violations'])} data-quality violation(s);
model quality: <b>{esc(q['verdict'])}</b>, prediction shift: PSI {_fmt(p['psi'])} ({esc(p['psi_verdict'])}),
mean {_fmt(p['mean_shift'], '+.1%')} vs {esc(p['compared_to'])}.</p>
<img alt="drift report" style="max-width:100%" src="data:image/png;base64,{base64.b64encode(png).decode()}">
<h2>Drift and data quality per feature</h2>
<table><tr><th>feature</th><th>PSI</th><th>KS D</th><th>KS p</th><th>missing</th><th>out of range</th>
<th>unseen</th><th>verdict</th></tr>{''.join(feature_rows)}</table>
<h2>Violations</h2><table><tr><th>feature</th><th>check</th><th>count</th><th>description</th></tr>{violations}</table>
<h2>Model quality (ground truth joined)</h2><table>{quality_rows}</table>
<h2>Unreadable records (counted, skipped)</h2><table>{bad_rows}</table>
<p>Thresholds: {esc(', '.join(f'{k}={v:g}' for k, v in report['thresholds'].items()))}</p>
</body></html>
"""
