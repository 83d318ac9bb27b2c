"""Wrong answers a weak student would give in exercise A3; each must fail its public check."""

_CHART_OK = '''
status_counts = pd.concat([
    log.groupby("status").size().rename("requests").reset_index().assign(crawler=name)
    for name, log in {"polite": polite_log, "careless": careless_log}.items()
], ignore_index=True)
_PROPS = dict(title="Requests per HTTP status", description="Requests per HTTP status for each crawler.")
'''

WRONG = {
    "q1": {
        "differences of ledger rows, not photos": '''
extra_photos = len(careless.ledger) - len(polite.ledger)
extra_people = careless.photos()["subject"].nunique() - polite.photos()["subject"].nunique()
''',
        "polite minus careless (negative)": '''
extra_photos = len(polite.photos()) - len(careless.photos())
extra_people = polite.photos()["subject"].nunique() - careless.photos()["subject"].nunique()
''',
        "people counted as photos": '''
extra_photos = len(careless.photos()) - len(polite.photos())
extra_people = extra_photos
''',
        "pages kept instead of photos kept": '''
extra_photos = careless.summary()["pages kept"] - polite.summary()["pages kept"]
extra_people = careless.summary()["people"] - polite.summary()["people"]
''',
    },
    "q2": {
        "counts the allowed rows": '''
def disallowed_requests(log, robots_txt, user_agent):
    rules = Protego.parse(robots_txt)
    return int(sum(rules.can_fetch("http://127.0.0.1" + p, user_agent) for p in log["path"]))
careless_violations = disallowed_requests(careless_log, robots_txt, crawler.POLITE_UA)
''',
        "ignores the user agent's own group": '''
def disallowed_requests(log, robots_txt, user_agent):
    rules = Protego.parse(robots_txt)
    return int(sum(not rules.can_fetch("http://127.0.0.1" + p, "*") for p in log["path"]))
careless_violations = disallowed_requests(careless_log, robots_txt, crawler.POLITE_UA)
''',
        "string match on /members/ only": '''
def disallowed_requests(log, robots_txt, user_agent):
    return int(log["path"].str.startswith("/members/").sum())
careless_violations = disallowed_requests(careless_log, robots_txt, crawler.POLITE_UA)
''',
        "distinct paths instead of requests": '''
def disallowed_requests(log, robots_txt, user_agent):
    rules = Protego.parse(robots_txt)
    return sum(not rules.can_fetch("http://127.0.0.1" + p, user_agent) for p in set(log["path"]))
careless_violations = disallowed_requests(careless_log, robots_txt, crawler.POLITE_UA)
''',
        "careless_violations left at the rules for ClearviewStyleBot": '''
careless_violations = disallowed_requests(careless_log, robots_txt, "ClearviewStyleBot")
''',
    },
    "q3": {
        "everyone the careless crawl took": '''
harmed = sorted(set(careless.photos()["subject"]))
harmed_settings = profiles.set_index("name").loc[harmed, "setting"].value_counts().to_dict()
''',
        "sorted the wrong way": '''
harmed = sorted(set(careless.photos()["subject"]) - set(polite.photos()["subject"]), reverse=True)
harmed_settings = profiles.set_index("name").loc[harmed, "setting"].value_counts().to_dict()
''',
        "settings counted per photo": '''
harmed = sorted(set(careless.photos()["subject"]) - set(polite.photos()["subject"]))
_ph = careless.photos()
harmed_settings = profiles.set_index("name").loc[_ph.loc[_ph["subject"].isin(harmed), "subject"], "setting"].value_counts().to_dict()
''',
        "settings of every profile": '''
harmed = sorted(set(careless.photos()["subject"]) - set(polite.photos()["subject"]))
harmed_settings = profiles["setting"].value_counts().to_dict()
''',
        "the difference taken the wrong way round": '''
harmed = sorted(set(polite.photos()["subject"]) - set(careless.photos()["subject"]))
harmed_settings = {}
''',
    },
    "q4": {
        "the careless crawler only": _CHART_OK + '''
status_chart = alt.Chart(status_counts[status_counts["crawler"] == "careless"]).mark_bar().encode(
    x="status:N", y="requests:Q", color="crawler:N", tooltip=["crawler", "status", "requests"]
).properties(title="Requests per status", description="Requests per HTTP status for each crawler.")
''',
        "a line chart": _CHART_OK + '''
status_chart = alt.Chart(status_counts).mark_line().encode(
    x="status:N", y="requests:Q", color="crawler:N", tooltip=["crawler", "status", "requests"]
).properties(title="Requests per status", description="Requests per HTTP status for each crawler.")
''',
        "status left as a number (altair infers quantitative)": _CHART_OK + '''
status_chart = alt.Chart(status_counts).mark_bar().encode(
    x="status", y="requests", color="crawler", tooltip=["crawler", "status", "requests"]
).properties(title="Requests per status", description="Requests per HTTP status for each crawler.")
''',
        "no description (no alt text)": _CHART_OK + '''
status_chart = alt.Chart(status_counts).mark_bar().encode(
    x="status:N", y="requests:Q", color="crawler:N", tooltip=["crawler", "status", "requests"]
).properties(title="Requests per status")
''',
        "only the careless log counted": '''
status_counts = careless_log.groupby("status").size().rename("requests").reset_index().assign(crawler="careless")
status_chart = alt.Chart(status_counts).mark_bar().encode(
    x="status:N", y="requests:Q", color="crawler:N", tooltip=["crawler", "status", "requests"]
).properties(title="Requests per status", description="Requests per HTTP status for each crawler.")
''',
        "counts distinct paths instead of requests": '''
status_counts = pd.concat([
    log.groupby("status")["path"].nunique().rename("requests").reset_index().assign(crawler=name)
    for name, log in {"polite": polite_log, "careless": careless_log}.items()
], ignore_index=True)
status_chart = alt.Chart(status_counts).mark_bar().encode(
    x="status:N", y="requests:Q", color="crawler:N", tooltip=["crawler", "status", "requests"]
).properties(title="Requests per status", description="Requests per HTTP status for each crawler.")
''',
        "no tooltip, no crawler encoding": _CHART_OK + '''
status_chart = alt.Chart(status_counts).mark_bar().encode(x="status:N", y="requests:Q").properties(
    title="Requests per status", description="Requests per HTTP status for each crawler.")
''',
        # issue 22: what the whole specification shows
        "log scale on the bar lengths": _CHART_OK + '''
status_chart = alt.Chart(status_counts).mark_bar().encode(
    x="status:N", y=alt.Y("requests:Q", scale=alt.Scale(type="log")), color="crawler:N", xOffset="crawler:N",
    tooltip=["crawler", "status", "requests"]).properties(**_PROPS)
''',
        "zero=False on the bar lengths": _CHART_OK + '''
status_chart = alt.Chart(status_counts).mark_bar().encode(
    x="status:N", y=alt.Y("requests:Q", scale=alt.Scale(zero=False)), color="crawler:N", xOffset="crawler:N",
    tooltip=["crawler", "status", "requests"]).properties(**_PROPS)
''',
        "domain clamped below the tallest bar": _CHART_OK + '''
status_chart = alt.Chart(status_counts).mark_bar().encode(
    x="status:N", y=alt.Y("requests:Q", scale=alt.Scale(domain=[0, 5], clamp=True)), color="crawler:N",
    xOffset="crawler:N", tooltip=["crawler", "status", "requests"]).properties(**_PROPS)
''',
        "transform_filter drops the polite crawler": _CHART_OK + '''
status_chart = alt.Chart(status_counts).mark_bar().encode(
    x="status:N", y="requests:Q", color="crawler:N", xOffset="crawler:N",
    tooltip=["crawler", "status", "requests"]).transform_filter(alt.datum.crawler == "careless").properties(**_PROPS)
''',
        "placeholder title": _CHART_OK + '''
status_chart = alt.Chart(status_counts).mark_bar().encode(
    x="status:N", y="requests:Q", color="crawler:N", xOffset="crawler:N",
    tooltip=["crawler", "status", "requests"]).properties(title="Title", description="TODO")
''',
        "tooltip without the number of requests": _CHART_OK + '''
status_chart = alt.Chart(status_counts).mark_bar().encode(
    x="status:N", y="requests:Q", color="crawler:N", xOffset="crawler:N", tooltip=["crawler"]).properties(**_PROPS)
''',
        "colour domain lists only the careless crawler": _CHART_OK + '''
status_chart = alt.Chart(status_counts).mark_bar().encode(
    x="status:N", y="requests:Q", color=alt.Color("crawler:N", scale=alt.Scale(domain=["careless"])),
    tooltip=["crawler", "status", "requests"]).properties(**_PROPS)
''',
        "status_counts changed before charting (shares, not requests)": _CHART_OK + '''
status_counts["requests"] = status_counts["requests"] / status_counts.groupby("crawler")["requests"].transform("sum")
status_chart = alt.Chart(status_counts).mark_bar().encode(
    x="status:N", y="requests:Q", color="crawler:N", xOffset="crawler:N",
    tooltip=["crawler", "status", "requests"]).properties(**_PROPS)
''',
    },
}

# Right answers in another form that must PASS.
RIGHT = {
    "q1": {
        "numpy integers from the profiles table": '''
import numpy as np
extra_photos = np.int64(len(careless.photos()) - len(polite.photos()))
extra_people = np.int64(careless.photos()["subject"].nunique() - polite.photos()["subject"].nunique())
''',
    },
    "q2": {
        "pandas apply, numpy integer": '''
def disallowed_requests(log, robots_txt, user_agent):
    rp = Protego.parse(robots_txt)
    return (~log["path"].apply(lambda p: rp.can_fetch("http://example.org" + p, user_agent))).sum()
careless_violations = disallowed_requests(careless_log, robots_txt, crawler.POLITE_UA)
''',
    },
    "q3": {
        "merge-based, Counter dict": '''
from collections import Counter
harmed = sorted(set(careless.photos()["subject"]).difference(polite.photos()["subject"]))
harmed_settings = dict(Counter(profiles.set_index("name")["setting"][harmed]))
''',
    },
    "q4": {
        "value_counts, statuses as text, columns by crawler": '''
status_counts = pd.concat([
    polite_log["status"].astype(str).value_counts().rename_axis("status").reset_index(name="requests").assign(crawler="polite"),
    careless_log["status"].astype(str).value_counts().rename_axis("status").reset_index(name="requests").assign(crawler="careless"),
])
status_chart = alt.Chart(status_counts, title=alt.Title("Requests per status")).mark_bar().encode(
    x=alt.X("status", type="ordinal"), y=alt.Y("requests", type="quantitative"),
    column="crawler:N", tooltip=["crawler:N", "status:O", "requests:Q"],
).properties(description="Requests per HTTP status for each crawler.")
''',
    },
}
RIGHT["q4"].update({
    "a column facet per crawler": _CHART_OK + '''
status_chart = alt.Chart(status_counts).mark_bar().encode(
    x="status:N", y="requests:Q", tooltip=["status:N", "requests:Q"],
).facet(column="crawler:N").properties(title="Requests per HTTP status", description="One panel per crawler: requests per HTTP status.")
''',
    "summed in the encoding, zero rows dropped with an altair filter": _CHART_OK + '''
status_chart = alt.Chart(status_counts).transform_filter("datum.requests > 0").mark_bar().encode(
    x=alt.X("status:N"), y=alt.Y("sum(requests):Q", scale=alt.Scale(zero=True, domain=[0, 100000])),
    color="crawler:N", xOffset="crawler:N", tooltip=["crawler:N", "status:N", "sum(requests):Q"],
).properties(title="Requests per HTTP status", description="Bars of requests per HTTP status for each crawler.")
''',
})
