"""Wrong answers a weak student would give in exercise B4; each must fail its public check."""

# Question 4's wrong answers: one plain student's DET chart with one part changed
_DET_DATA = 'det[(det["fmr"] > 0) & (det["fnmr"] > 0)]'
_DET_AXES = 'x=alt.X("fmr:Q", scale=alt.Scale(type="log")), y=alt.Y("fnmr:Q", scale=alt.Scale(type="log"))'
_DET_PROPS = '.properties(title="DET curve of LFW View 2", description="FNMR against FMR on log axes, falling from left to right.")'


def _det_plot(data=_DET_DATA, mark="mark_line()", axes=_DET_AXES, tooltip='["threshold:Q"]', after=_DET_PROPS) -> str:
    return f"""
det_plot = alt.Chart({data}).{mark}.encode(
    {axes},
    tooltip={tooltip}){after}
"""


WRONG = {
    "q1": {
        "reversed threshold: same person if distance >= t": '''
def pair_accuracy(distances, same, threshold):
    return float(np.mean((np.asarray(distances) >= threshold) == np.asarray(same)))
''',
        "strict < at the boundary": '''
def pair_accuracy(distances, same, threshold):
    return float(np.mean((np.asarray(distances) < threshold) == np.asarray(same)))
''',
        "count of correct pairs instead of a share": '''
def pair_accuracy(distances, same, threshold):
    return int(np.sum((np.asarray(distances) <= threshold) == np.asarray(same)))
''',
        "percentage instead of a share (100x off)": '''
def pair_accuracy(distances, same, threshold):
    return 100 * float(np.mean((np.asarray(distances) <= threshold) == np.asarray(same)))
''',
        "share of same-person pairs matched (recall) instead of accuracy": '''
def pair_accuracy(distances, same, threshold):
    d, s = np.asarray(distances), np.asarray(same, dtype=bool)
    return float(np.mean(d[s] <= threshold))
''',
        "hard-coded 0.6 ignores the threshold argument": '''
def pair_accuracy(distances, same, threshold):
    return float(np.mean((np.asarray(distances) <= 0.6) == np.asarray(same)))
''',
    },
    "q2": {
        "(fnmr, fmr) returned swapped": '''
def fmr_fnmr(genuine, impostor, threshold):
    return float(np.mean(np.asarray(genuine) > threshold)), float(np.mean(np.asarray(impostor) <= threshold))
rates_06 = fmr_fnmr(genuine, impostor, 0.6)
''',
        "strict < for a match at the boundary": '''
def fmr_fnmr(genuine, impostor, threshold):
    return float(np.mean(np.asarray(impostor) < threshold)), float(np.mean(np.asarray(genuine) >= threshold))
rates_06 = fmr_fnmr(genuine, impostor, 0.6)
''',
        "percentages instead of shares (100x off)": '''
def fmr_fnmr(genuine, impostor, threshold):
    return 100 * float(np.mean(np.asarray(impostor) <= threshold)), 100 * float(np.mean(np.asarray(genuine) > threshold))
rates_06 = fmr_fnmr(genuine, impostor, 0.6)
''',
        "counts instead of rates": '''
def fmr_fnmr(genuine, impostor, threshold):
    return int(np.sum(np.asarray(impostor) <= threshold)), int(np.sum(np.asarray(genuine) > threshold))
rates_06 = fmr_fnmr(genuine, impostor, 0.6)
''',
        "FNMR as the share of genuine pairs matched (1 - FNMR)": '''
def fmr_fnmr(genuine, impostor, threshold):
    return float(np.mean(np.asarray(impostor) <= threshold)), float(np.mean(np.asarray(genuine) <= threshold))
rates_06 = fmr_fnmr(genuine, impostor, 0.6)
''',
        "rates_06 computed at 0.5 instead of 0.6": '''
rates_06 = fmr_fnmr(genuine, impostor, 0.5)
''',
        "rates_06 from all pairs mixed together": '''
rates_06 = fmr_fnmr(pairs["distance"], pairs["distance"], 0.6)
''',
    },
    "q3": {
        "hard-coded 0.6 instead of fitting": '''
def fit_threshold(distances, same):
    return 0.6
def held_out(pairs, k):
    test = pairs[pairs["fold"] == k]
    return 0.6, pair_accuracy(test["distance"], test["same"], 0.6)
view2_mean = np.mean([held_out(pairs, k)[1] for k in range(10)])
''',
        "leakage: threshold fitted on the held-out fold itself": '''
def held_out(pairs, k):
    test = pairs[pairs["fold"] == k]
    t = fit_threshold(test["distance"], test["same"])
    return t, pair_accuracy(test["distance"], test["same"], t)
view2_mean = np.mean([held_out(pairs, k)[1] for k in range(10)])
''',
        "threshold fitted on all folds, held-out fold included": '''
def held_out(pairs, k):
    test = pairs[pairs["fold"] == k]
    t = fit_threshold(pairs["distance"], pairs["same"])
    return t, pair_accuracy(test["distance"], test["same"], t)
view2_mean = np.mean([held_out(pairs, k)[1] for k in range(10)])
''',
        "reversed direction inside the fit (>=)": '''
def fit_threshold(distances, same):
    distances, same = np.asarray(distances), np.asarray(same, dtype=bool)
    candidates = np.unique(distances)
    scores = [np.mean((distances >= t) == same) for t in candidates]
    return float(candidates[int(np.argmax(scores))])
view2_mean = np.mean([held_out(pairs, k)[1] for k in range(10)])
''',
        "argmin instead of argmax: the worst threshold": '''
def fit_threshold(distances, same):
    distances, same = np.asarray(distances), np.asarray(same, dtype=bool)
    candidates = np.unique(distances)
    scores = [np.mean((distances <= t) == same) for t in candidates]
    return float(candidates[int(np.argmin(scores))])
view2_mean = np.mean([held_out(pairs, k)[1] for k in range(10)])
''',
        "folds numbered 1-10: fold k+1 held out": '''
def held_out(pairs, k):
    train, test = pairs[pairs["fold"] != k + 1], pairs[pairs["fold"] == k + 1]
    t = fit_threshold(train["distance"], train["same"])
    return t, pair_accuracy(test["distance"], test["same"], t)
view2_mean = np.mean([held_out(pairs, k)[1] for k in range(10)])
''',
        "returns the training accuracy instead of the held-out one": '''
def held_out(pairs, k):
    train = pairs[pairs["fold"] != k]
    t = fit_threshold(train["distance"], train["same"])
    return t, pair_accuracy(train["distance"], train["same"], t)
view2_mean = np.mean([held_out(pairs, k)[1] for k in range(10)])
''',
        # issue 22: the leakage and off-by-one variants, within 0.0005 of the right mean
        "view2_mean over 9 folds (range(9))": '''
view2_mean = np.mean([held_out(pairs, k)[1] for k in range(9)])
''',
        "view2_mean: one threshold fitted on all 6,000 pairs": '''
_t = fit_threshold(pairs["distance"], pairs["same"])
view2_mean = pair_accuracy(pairs["distance"], pairs["same"], _t)
''',
        "view2_mean typed from dlib's published figure": '''
view2_mean = 0.9938
''',
    },
    "q4": {
        "true accept rate (1 - FNMR) on the y axis": _det_plot(data=_DET_DATA + '.assign(fnmr=lambda d: 1 - d["fnmr"])'),
        "drops most of the curve (only FMR above 1%)": _det_plot(data='det[(det["fmr"] > 0.01) & (det["fnmr"] > 0)]'),
        "points instead of a line": _det_plot(mark="mark_point()"),
        "linear axes (no log scale)": '''
det_plot = alt.Chart(det[(det["fmr"] > 0) & (det["fnmr"] > 0)]).mark_line().encode(
    x="fmr:Q", y="fnmr:Q", tooltip=["threshold:Q"]).properties(title="DET curve of LFW View 2", description="FNMR against FMR on log axes, falling from left to right.")
''',
        "axes swapped": _det_plot(axes='x=alt.X("fnmr:Q", scale=alt.Scale(type="log")), y=alt.Y("fmr:Q", scale=alt.Scale(type="log"))'),
        "rates typed as nominal categories": _det_plot(axes='x=alt.X("fmr:N", scale=alt.Scale(type="log")), y=alt.Y("fnmr:N", scale=alt.Scale(type="log"))'),
        "no title and no description (no alt text)": _det_plot(after=""),
        "zero rates kept on a log axis": _det_plot(data="det"),
        "no tooltip": '''
det_plot = alt.Chart(det[(det["fmr"] > 0) & (det["fnmr"] > 0)]).mark_line().encode(
    x=alt.X("fmr:Q", scale=alt.Scale(type="log")), y=alt.Y("fnmr:Q", scale=alt.Scale(type="log"))
    ).properties(title="DET curve of LFW View 2", description="FNMR against FMR on log axes, falling from left to right.")
''',
        # issue 22: what the whole specification shows
        "det changed before charting (1 - fnmr)": '''
det = det.copy()   # (a copy, so that the next answers see the original det)
det["fnmr"] = 1 - det["fnmr"]
det_plot = alt.Chart(det[(det["fmr"] > 0) & (det["fnmr"] > 0)]).mark_line().encode(
    x=alt.X("fmr:Q", scale=alt.Scale(type="log")), y=alt.Y("fnmr:Q", scale=alt.Scale(type="log")),
    tooltip=["threshold:Q"]).properties(title="DET curve of LFW View 2", description="FNMR against FMR on log axes, falling from left to right.")
''',
        "transform_filter drops half the curve": _det_plot(data="det", after='.transform_filter("datum.fmr > 0.001 && datum.fnmr > 0")' + _DET_PROPS),
        "x domain clamped to the interesting part": '''
det_plot = alt.Chart(det[(det["fmr"] > 0) & (det["fnmr"] > 0)]).mark_line().encode(
    x=alt.X("fmr:Q", scale=alt.Scale(type="log", domain=[0.001, 0.1], clamp=True)),
    y=alt.Y("fnmr:Q", scale=alt.Scale(type="log")),
    tooltip=["threshold:Q"]).properties(title="DET curve of LFW View 2", description="FNMR against FMR on log axes, falling from left to right.")
''',
        "placeholder title and description": _det_plot(after='.properties(title="Title", description="TODO")'),
        "tooltip names a column det does not have": _det_plot(tooltip='["fmr:Q", "fnmr:Q", "thresholds:Q"]'),
        "only the zero FMR rows dropped": '''
det_plot = alt.Chart(det).transform_filter(alt.datum.fmr > 0).mark_line().encode(
    x=alt.X("fmr:Q", scale=alt.Scale(type="log")), y=alt.Y("fnmr:Q", scale=alt.Scale(type="log")),
    tooltip=["threshold:Q"]).properties(title="DET curve of LFW View 2", description="FNMR against FMR on log axes, falling from left to right.")
''',
    },
}

# Right answers in another form that must PASS (numpy scalars, lists instead of arrays, ...):
RIGHT = {
    "q1": {
        "returns a numpy float": '''
def pair_accuracy(distances, same, threshold):
    return np.mean((np.asarray(distances) <= threshold) == np.asarray(same))
''',
        "plain Python loop": '''
def pair_accuracy(distances, same, threshold):
    right = [(d <= threshold) == bool(s) for d, s in zip(list(distances), list(same))]
    return sum(right) / len(right)
''',
    },
    "q2": {
        "numpy scalars in a list": '''
def fmr_fnmr(genuine, impostor, threshold):
    return [np.mean(np.asarray(impostor) <= threshold), np.mean(np.asarray(genuine) > threshold)]
rates_06 = fmr_fnmr(genuine, impostor, 0.6)
''',
    },
    "q3": {
        "midpoint thresholds and a pandas loop": '''
def fit_threshold(distances, same):
    d, s = np.asarray(distances, float), np.asarray(same, bool)
    v = np.unique(d)
    cand = (v[:-1] + v[1:]) / 2
    acc = ((d[None, :] <= cand[:, None]) == s[None, :]).mean(axis=1)
    return cand[np.argmax(acc)]
def held_out(pairs, k):
    train = pairs.query("fold != @k")
    test = pairs.query("fold == @k")
    t = fit_threshold(train.distance, train.same)
    return t, np.mean((test.distance <= t) == test.same)
view2_mean = pd.Series([held_out(pairs, k)[1] for k in range(10)]).mean()
''',
    },
    "q4": {
        "filtered with query, tooltip as alt.Tooltip, layered title dict": '''
det_plot = alt.Chart(det.query("fmr > 0 and fnmr > 0")).mark_line(point=False).encode(
    x=alt.X("fmr", type="quantitative", scale=alt.Scale(type="log")),
    y=alt.Y("fnmr", type="quantitative", scale=alt.Scale(type="log")),
    tooltip=[alt.Tooltip("threshold:Q", format=".3f")],
).properties(title=alt.TitleParams("DET curve"), description="FNMR against FMR, log axes")
''',
    },
}
RIGHT["q4"].update({
    "zero rates left out with transform_filter (alt.datum)": '''
det_plot = alt.Chart(det).mark_line().encode(
    x=alt.X("fmr:Q", scale=alt.Scale(type="log")), y=alt.Y("fnmr:Q", scale=alt.Scale(type="log")),
    tooltip=["threshold:Q", "fmr:Q", "fnmr:Q"],
).transform_filter((alt.datum.fmr > 0) & (alt.datum.fnmr > 0)).properties(title="DET curve of LFW View 2", description="FNMR against FMR on log axes, falling from left to right.")
''',
    "field predicates, a line with points layered": '''
_base = alt.Chart(det).transform_filter(alt.FieldGTPredicate(field="fmr", gt=0)).transform_filter(
    alt.FieldGTPredicate(field="fnmr", gt=0)).encode(
    x=alt.X("fmr:Q", scale=alt.Scale(type="log")), y=alt.Y("fnmr:Q", scale=alt.Scale(type="log")),
    tooltip=[alt.Tooltip("threshold:Q", format=".3f")])
det_plot = (_base.mark_line() + _base.mark_point(size=10)).properties(title="DET curve of LFW View 2", description="FNMR against FMR on log axes, falling from left to right.")
''',
})
RIGHT["q3"].update({
    "the last of the equally good thresholds (0.99017: ties move the mean by 0.001)": '''
def fit_threshold(distances, same):
    d, s = np.asarray(distances), np.asarray(same, dtype=bool)
    v = np.unique(d)
    acc = ((d[None, :] <= v[:, None]) == s[None, :]).mean(axis=1)
    return float(v[len(acc) - 1 - int(np.argmax(acc[::-1]))])
view2_mean = np.mean([held_out(pairs, k)[1] for k in range(10)])
''',
})
RIGHT["q2"]["numpy comparisons on the arrays themselves (no np.asarray)"] = '''
def fmr_fnmr(genuine, impostor, threshold):
    return (impostor <= threshold).mean(), (genuine > threshold).mean()
rates_06 = fmr_fnmr(genuine, impostor, 0.6)
'''
