"""The report's appendix: the application's inputs, every parameter, and how to reproduce it."""

from __future__ import annotations

from collections.abc import Mapping
from html import escape
from pathlib import Path
from typing import Any

from sim import outputs_registry as registry
from sim.fmt import number, value_text
from sim.i18n import N_, _, current_lang, gettext
from sim.i18n.units import money, unit_text
from sim.i18n.verdict import mineral, policy_name, region
from sim.proposal import DEFAULT_POLICY_PATH
from sim.report.analysis import ReportData, land_use_name, param_label
from sim.report.markup import table


def flatten(data: Mapping[str, Any], prefix: str = "") -> dict[str, Any]:
    out: dict[str, Any] = {}
    for k, v in data.items():
        key = f"{prefix}{k}"
        if isinstance(v, Mapping):
            out.update(flatten(v, key + "."))
        else:
            out[key] = v
    return out


def inputs(d: ReportData) -> str:
    from sim.contract import chinese_names, field_specs
    from sim.template import WHERE, where_text  # the Chinese plan term of each field

    flat = flatten(d.proposal.to_dict())
    specs = field_specs()
    zh = current_lang() == "zh"

    def term(path: str) -> str:
        if path.startswith("restoration.target_land_use."):  # a share: name its land use
            lu = path.rsplit(".", 1)[1]
            return escape(_("share of the area: {land_use}", land_use=land_use_name(lu)))
        return escape(where_text(path)[0]) if path in WHERE else ""  # in the report's language

    def unit(path: str) -> str:
        spec = specs.get(path)
        return escape(unit_text(spec.unit)) if spec is not None and spec.unit else ""

    def shown(path: str, v: object) -> str:
        if path == "proposal.mineral" and isinstance(v, str):
            return escape(f"{mineral(v)} ({v})")
        if path == "proposal.region" and isinstance(v, str):
            return escape(f"{region(v)} ({v})")
        if isinstance(v, bool):
            return escape(_("yes") if v else _("no"))
        if isinstance(v, str) and zh:  # an allowed value: its name as the plans write it
            name = next((n for n, value in chinese_names().get(path, {}).items() if value == v), "")
            return escape(f"{name}（{v}）" if name else v)
        spec = specs.get(path)
        if zh and spec is not None and spec.unit == "CNY" and isinstance(v, int | float):
            return escape(f"{value_text(v)}（{money(float(v))}）")  # 元 as filed, and 万元
        if zh and spec is not None and isinstance(v, int | float) and spec.unit in PLAN_UNITS:
            factor, plan_unit = PLAN_UNITS[spec.unit]  # also in the unit the plans write
            return escape(f"{value_text(v)}（{float(f'{v * factor:.12g}'):g}{plan_unit}）")
        return escape(value_text(v))

    if zh:  # the plan's term beside the contract's field name
        rows = [
            [f"<code>{escape(k)}</code>", term(k), shown(k, v), unit(k)] for k, v in flat.items()
        ]
        head = [_("field"), _("term in the plan"), _("value"), _("unit")]
    else:
        rows = [[f"<code>{escape(k)}</code>", shown(k, v), unit(k)] for k, v in flat.items()]
        head = [_("field"), _("value"), _("unit")]
    src = d.proposal.source_path
    where = _(" from {path}", path=f"<code>{escape(str(src))}</code>") if src else ""
    return (
        "<p>"
        + _("The validated application{where}, field by field.", where=where)
        + "</p>"
        + (table(head, rows, cls="inputs"))
    )


def _metric_value(v: float | None) -> str:
    """A metric as the table shows it: whole units from 1,000 up, else three digits."""
    if v is None:
        return ""
    return f"{v:,.0f}" if abs(v) >= 1000 or isinstance(v, int) else f"{v:.3g}"


def metrics(d: ReportData) -> str:
    """Every metric of the JSON verdict with its value, unit and meaning (the output registry's
    long names, in the report's language)."""
    values = d.verdict["metrics"]
    shown = [m for m in registry.METRICS if m.name in values]
    rows = [
        [
            f"<code>{escape(m.name)}</code>",
            _metric_value(values[m.name]),
            escape(unit_text(m.unit)),
            escape(registry.metric_long_name(m, translate=True)),
        ]
        for m in shown
    ]
    return (
        "<p>"
        + _(
            "The metrics of the machine-readable verdict ({command}), with their units: "
            "P10/P50/P90 are quantiles over the Monte-Carlo draws, probabilities and expected "
            "values are means over them.",
            command="<code>restoresim evaluate --json</code>",
        )
        + "</p>"
        + table(
            [_("metric"), _("value"), _("unit"), _("meaning")],
            rows,
            cls="metrics",
            num=(1,),
            row_attrs=({"name": m.name, "unit": m.unit} for m in shown),
        )
    )


#: contract units shown beside the value in the unit Chinese plans write them: factor, unit
PLAN_UNITS = {"Mt": (100.0, "万t"), "Mt/yr": (100.0, "万t/a"), "ha": (15.0, "亩")}

#: how a parameter is drawn, as the appendix says it
DISTRIBUTIONS = {"fixed": N_("fixed"), "triangular": N_("triangular, per draw")}


def applies(name: str, region: str, substrate: str) -> bool:
    """Whether library entry ``name`` can act on an application in ``region`` on ``substrate``
    (another region's recovery values, another rock's bench faces do not)."""
    parts = name.split(".")
    if parts[0] == "regions":
        return parts[1] == region
    if name.startswith(("cost.wall_bench_face_angle.", "cost.wall_spray_share.")):
        return parts[-1] == substrate
    return True


def assumptions(d: ReportData) -> str:
    region, substrate = d.proposal.proposal.region, d.proposal.site.substrate
    every = d.library.rows()
    note = "description_zh" if current_lang() == "zh" else "description"  # the report's language
    rows, attrs = [], []
    for r in every:
        if not applies(r["name"], region, substrate):
            continue
        over = r["name"] in d.overrides
        value = number(r["value"]) + (" <b>" + _("(overridden)") + "</b>" if over else "")
        rows.append(
            [
                escape(param_label(r["name"])) + f"<br><code>{escape(r['name'])}</code>",
                value,
                escape(unit_text(r["unit"])),
                f"{number(r['range'][0])} – {number(r['range'][1])}",
                escape(gettext(DISTRIBUTIONS.get(r["distribution"], r["distribution"]))),
                f"[{escape(r['source'])}]",
                escape(r[note]),
            ]
        )
        attrs.append({"name": r["name"], "value": r["value"]})
    return (
        "<p>"
        + _(
            "The {n} parameters of the library that act on this application (of {total}: the "
            "other regions' recovery values and the other rocks' bench faces are left out), "
            "with their unit, plausible range and source: [S] stated in a public document, [D] "
            "derived from stated numbers, [E] an engineering estimate. Triangular parameters "
            "are drawn per draw between the ends of their range with the value as mode. The "
            "notes give the evidence for each value; the documents they cite are named as they "
            "are published (titles, standard numbers, addresses).",
            n=len(rows), total=len(every),
        )
        + "</p>"
        + table(
            [
                _("parameter"),
                _("value"),
                _("unit"),
                _("range"),
                _("distribution"),
                _("source"),
                _("evidence and notes"),
            ],
            rows,
            cls="params",
            row_attrs=attrs,
        )
    )


def reproducibility(d: ReportData) -> str:
    overrides = " ".join(f"--param {k}={v:g}" for k, v in d.overrides.items())
    src = d.proposal.source_path
    policy_src = d.policy.source_path
    if policy_src is not None and Path(policy_src).resolve() == DEFAULT_POLICY_PATH.resolve():
        policy_src = None
    command = (
        f"restoresim report {src or 'PROPOSAL'}"
        + (f" --policy {policy_src}" if policy_src else "")
        + f" --draws {d.draws} --seed {d.seed}"
        + (f" {overrides}" if overrides else "")
        + (" --lang zh" if current_lang() == "zh" else "")
        + " --out REPORT.html"
    )
    items = {
        _("seed"): str(d.seed),
        _("draws"): str(d.draws),
        _("sensitivity draws"): str(d.sensitivity.draws) if d.sensitivity else _("not run"),
        _("package version"): f"restoresim {d.version}",
        _("policy"): escape(policy_name(d.policy.policy.name)),
        _("parameter overrides"): escape(overrides) or _("none"),
        _("inputs SHA-256"): f'<code id="inputs-sha256">{d.inputs_sha256}</code>',
        _("command"): f"<code>{escape(command)}</code>",
    }
    dl = "".join(f"<dt>{escape(k)}</dt><dd>{v}</dd>" for k, v in items.items())
    return (
        '<dl class="repro">'
        + dl
        + "</dl><p>"
        + _(
            "The SHA-256 covers the validated application, the policy and every parameter value "
            "(canonical JSON); with the same seed, draws and version the report's numbers are "
            "identical."
        )
        + "</p>"
    )
