"""Wrong answers a weak student would give in exercise B6; each must fail its public check."""

WRONG = {
    "q1": {
        "the naive 1 - (1 - fmr)**n the question warns about": '''
def p_any_false(fmr, n):
    if not 0 <= fmr <= 1:
        raise ValueError("fmr")
    return 1 - (1 - fmr) ** n
''',
        "fmr * n (the expected count, not a probability)": '''
def p_any_false(fmr, n):
    if not 0 <= fmr <= 1:
        raise ValueError("fmr")
    return fmr * n
''',
        "(1 - fmr)**n: the probability of no false candidate": '''
def p_any_false(fmr, n):
    if not 0 <= fmr <= 1:
        raise ValueError("fmr")
    return math.exp(n * math.log1p(-fmr)) if fmr < 1 else 0.0
''',
        "Poisson approximation 1 - exp(-n fmr)": '''
def p_any_false(fmr, n):
    if not 0 <= fmr <= 1:
        raise ValueError("fmr")
    return -math.expm1(-n * fmr)
''',
        "no ValueError for an FMR outside [0, 1]": '''
def p_any_false(fmr, n):
    if fmr >= 1:
        return 1.0
    return -math.expm1(n * math.log1p(-fmr))
''',
        "a percentage (100x off)": '''
def p_any_false(fmr, n):
    if not 0 <= fmr <= 1:
        raise ValueError("fmr")
    return 100 * -math.expm1(n * math.log1p(-fmr))
''',
        "log1p without expm1 (1 - exp(...))": '''
def p_any_false(fmr, n):
    if not 0 <= fmr <= 1:
        raise ValueError("fmr")
    return 1 - math.exp(n * math.log1p(-fmr))
''',
    },
    "q2": {
        "ratio upside down: gallery_size / expected_false": '''
def fmr_for(expected_false, gallery_size):
    if gallery_size <= 0 or expected_false < 0:
        raise ValueError("bad input")
    return gallery_size / expected_false
fmr_30b = fmr_for(0.01, 30e9)
''',
        "one expected false candidate instead of 0.01 (100x off)": '''
fmr_30b = fmr_for(1, 30e9)
''',
        "3 billion instead of 30 billion (10x off)": '''
fmr_30b = fmr_for(0.01, 3e9)
''',
        "no ValueError for a gallery of size 0 or below": '''
def fmr_for(expected_false, gallery_size):
    return expected_false / gallery_size if gallery_size else float("inf")
fmr_30b = fmr_for(0.01, 30e9)
''',
        "a percentage (100x off)": '''
def fmr_for(expected_false, gallery_size):
    if gallery_size <= 0 or expected_false < 0:
        raise ValueError("bad input")
    return 100 * expected_false / gallery_size
fmr_30b = fmr_for(0.01, 30e9)
''',
    },
    "q3": {
        "ignores the errors argument (1 / fmr)": '''
def pairs_needed(fmr, errors=100):
    return 1 / fmr
lfw_ratio = pairs_needed(fmr_30b) / 3000
''',
        "multiplies instead of dividing": '''
def pairs_needed(fmr, errors=100):
    return errors * fmr
lfw_ratio = pairs_needed(fmr_30b) / 3000
''',
        "ratio inverted: 3,000 / pairs needed": '''
lfw_ratio = 3000 / pairs_needed(fmr_30b)
''',
        "all 6,000 View 2 pairs instead of the 3,000 impostor pairs": '''
lfw_ratio = pairs_needed(fmr_30b) / 6000
''',
        "errors hard-coded to 100": '''
def pairs_needed(fmr, errors=100):
    return 100 / fmr
lfw_ratio = pairs_needed(fmr_30b) / 3000
''',
    },
    "q4": {
        "prior ignored": '''
def ppv(prior, hit_rate, false_alarm_rate):
    return hit_rate / (hit_rate + false_alarm_rate)
ppv_rare = ppv(0.01, 0.99, p_any_false(1e-10, 3e9))
''',
        "false alarms not weighted by 1 - prior": '''
def ppv(prior, hit_rate, false_alarm_rate):
    return prior * hit_rate / (prior * hit_rate + false_alarm_rate)
ppv_rare = ppv(0.01, 0.99, p_any_false(1e-10, 3e9))
''',
        "prior times hit rate (the joint probability, not the conditional)": '''
def ppv(prior, hit_rate, false_alarm_rate):
    return prior * hit_rate
ppv_rare = ppv(0.01, 0.99, p_any_false(1e-10, 3e9))
''',
        "1 - false alarm rate (the hit rate on strangers)": '''
def ppv(prior, hit_rate, false_alarm_rate):
    return 1 - false_alarm_rate
ppv_rare = ppv(0.01, 0.99, p_any_false(1e-10, 3e9))
''',
        "ppv_rare with the FMR in place of the FPIR": '''
ppv_rare = ppv(0.01, 0.99, 1e-10)
''',
        "ppv_rare with prior 0.1 instead of 0.01": '''
ppv_rare = ppv(0.1, 0.99, p_any_false(1e-10, 3e9))
''',
    },
    "q5": {
        "wrong formula: FMR divided by the gallery size": '''
strangers_plot = alt.Chart(scale.assign(**{"expected false candidates": scale["fmr"] / scale["images"]})).mark_line().encode(
    x="threshold:Q", y=alt.Y("expected false candidates:Q", scale=alt.Scale(type="log")), color="gallery:N",
    tooltip=["gallery:N", "expected false candidates:Q"]).properties(title="Expected strangers per search", description="One line per gallery size: expected false candidates per threshold.")
''',
        "bars instead of lines": '''
strangers_plot = alt.Chart(scale).mark_bar().encode(
    x="threshold:Q", y=alt.Y("expected false candidates:Q", scale=alt.Scale(type="log")), color="gallery:N",
    tooltip=["gallery:N", "expected false candidates:Q"]).properties(title="Expected strangers per search", description="One line per gallery size: expected false candidates per threshold.")
''',
        "linear y axis": '''
strangers_plot = alt.Chart(scale).mark_line().encode(
    x="threshold:Q", y="expected false candidates:Q", color="gallery:N",
    tooltip=["gallery:N", "expected false candidates:Q"]).properties(title="Expected strangers per search", description="One line per gallery size: expected false candidates per threshold.")
''',
        "the FMR on y instead of the expected false candidates": '''
strangers_plot = alt.Chart(scale).mark_line().encode(
    x="threshold:Q", y=alt.Y("fmr:Q", scale=alt.Scale(type="log")), color="gallery:N",
    tooltip=["gallery:N", "expected false candidates:Q"]).properties(title="Expected strangers per search", description="One line per gallery size: expected false candidates per threshold.")
''',
        "threshold typed as a nominal category": '''
strangers_plot = alt.Chart(scale).mark_line().encode(
    x="threshold:N", y=alt.Y("expected false candidates:Q", scale=alt.Scale(type="log")), color="gallery:N",
    tooltip=["gallery:N", "expected false candidates:Q"]).properties(title="Expected strangers per search", description="One line per gallery size: expected false candidates per threshold.")
''',
        "no colour: three galleries on one zigzag line": '''
strangers_plot = alt.Chart(scale).mark_line().encode(
    x="threshold:Q", y=alt.Y("expected false candidates:Q", scale=alt.Scale(type="log")),
    tooltip=["gallery:N", "expected false candidates:Q"]).properties(title="Expected strangers per search", description="One line per gallery size: expected false candidates per threshold.")
''',
        "no description (no alt text)": '''
strangers_plot = alt.Chart(scale).mark_line().encode(
    x="threshold:Q", y=alt.Y("expected false candidates:Q", scale=alt.Scale(type="log")), color="gallery:N",
    tooltip=["gallery:N", "expected false candidates:Q"]).properties(title="Strangers")
''',
        # issue 22: what the whole specification shows
        "transform_filter drops the 3-billion gallery": '''
strangers_plot = alt.Chart(scale).mark_line(point=True).encode(
    x="threshold:Q", y=alt.Y("expected false candidates:Q", scale=alt.Scale(type="log")), color="gallery:N",
    tooltip=["gallery:N", "expected false candidates:Q"]).transform_filter(alt.datum.gallery != "3 billion").properties(title="Expected strangers per search", description="One line per gallery size: expected false candidates per threshold.")
''',
        "y domain clamped at a million": '''
strangers_plot = alt.Chart(scale).mark_line(point=True).encode(
    x="threshold:Q", y=alt.Y("expected false candidates:Q", scale=alt.Scale(type="log", domain=[1, 1e6], clamp=True)),
    color="gallery:N", tooltip=["gallery:N", "expected false candidates:Q"]).properties(title="Expected strangers per search", description="One line per gallery size: expected false candidates per threshold.")
''',
        "placeholder title": '''
strangers_plot = alt.Chart(scale).mark_line(point=True).encode(
    x="threshold:Q", y=alt.Y("expected false candidates:Q", scale=alt.Scale(type="log")), color="gallery:N",
    tooltip=["gallery:N", "expected false candidates:Q"]).properties(title="TODO", description="One line per gallery size: expected false candidates per threshold.")
''',
        "scale changed before charting (per million images)": '''
scale = scale.copy()   # (a copy, so that the next answers see the original scale)
scale["expected false candidates"] = scale["fmr"] * 1e6
strangers_plot = alt.Chart(scale).mark_line(point=True).encode(
    x="threshold:Q", y=alt.Y("expected false candidates:Q", scale=alt.Scale(type="log")), color="gallery:N",
    tooltip=["gallery:N", "expected false candidates:Q"]).properties(title="Expected strangers per search", description="One line per gallery size: expected false candidates per threshold.")
''',
        "tooltip without the gallery": '''
strangers_plot = alt.Chart(scale).mark_line(point=True).encode(
    x="threshold:Q", y=alt.Y("expected false candidates:Q", scale=alt.Scale(type="log")), color="gallery:N",
    tooltip=["threshold:Q", "expected false candidates:Q"]).properties(title="Expected strangers per search", description="One line per gallery size: expected false candidates per threshold.")
''',
        "only the 30-billion gallery charted": '''
strangers_plot = alt.Chart(scale[scale["gallery"] == "30 billion"]).mark_line().encode(
    x="threshold:Q", y=alt.Y("expected false candidates:Q", scale=alt.Scale(type="log")), color="gallery:N",
    tooltip=["gallery:N", "expected false candidates:Q"]).properties(title="Expected strangers per search", description="One line per gallery size: expected false candidates per threshold.")
''',
    },
}

# Right answers in another form that must PASS (numpy scalars, lists instead of arrays, ...):
RIGHT = {
    "q1": {
        "numpy log1p/expm1, numpy float result": '''
def p_any_false(fmr, n):
    if fmr < 0 or fmr > 1:
        raise ValueError("fmr must be in [0, 1]")
    return -np.expm1(n * np.log1p(-fmr)) if fmr < 1 else np.float64(1.0)
''',
    },
    "q2": {
        "numpy float division": '''
def fmr_for(expected_false, gallery_size):
    if not gallery_size > 0 or expected_false < 0:
        raise ValueError("gallery_size must be positive")
    return np.float64(expected_false) / np.float64(gallery_size)
fmr_30b = fmr_for(1e-2, 3e10)
''',
    },
    "q5": {
        "typed with type= and a TitleParams title": '''
strangers_plot = alt.Chart(scale).mark_line(point=True).encode(
    x=alt.X("threshold", type="quantitative"),
    y=alt.Y("expected false candidates", type="quantitative", scale=alt.Scale(type="log")),
    color=alt.Color("gallery", type="nominal"),
    tooltip=[alt.Tooltip("gallery:N"), alt.Tooltip("expected false candidates:Q", format=".3s")],
).properties(title=alt.TitleParams("Strangers per search"), description="One line per gallery size, log scale.")
''',
    },
    "q4": {
        "Bayes written with numpy arrays": '''
def ppv(prior, hit_rate, false_alarm_rate):
    num = np.multiply(prior, hit_rate)
    return num / (num + np.multiply(1 - prior, false_alarm_rate))
ppv_rare = ppv(0.01, 0.99, p_any_false(1e-10, 3e9))
''',
    },
}
RIGHT["q5"].update({
    "computed in altair (transform_calculate), one panel per gallery as well": '''
strangers_plot = alt.Chart(fmr_table.merge(galleries, how="cross")).transform_calculate(
    **{"expected false candidates": "datum.fmr * datum.images"}).mark_line(point=True).encode(
    x="threshold:Q", y=alt.Y("expected false candidates:Q", scale=alt.Scale(type="log")), color="gallery:N",
    tooltip=["gallery:N", "threshold:Q", "expected false candidates:Q"]).facet(column="gallery:N").properties(
    title="Expected strangers per search", description="One panel per gallery size: expected false candidates per threshold.")
''',
})
