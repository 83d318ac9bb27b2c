"""Wrong answers a weak student would give in exercise A1; each must fail its public check."""

WRONG = {
    "q1": {
        "every event_type starting with 'platform' (Apple's suspension included)": '''
objections = events[events["event_type"].str.startswith("platform")]
story = pd.Timestamp("2020-01-18")
days_to_object = {a: int((w - story).days) for a, w in zip(objections["actor"], objections["when"])}
''',
        "difference taken the wrong way round (negative days)": '''
objections = events[events["event_type"].isin(["platform_cease_and_desist", "platform_demand"])]
story = pd.Timestamp("2020-01-18")
days_to_object = {a: int((story - w).days) for a, w in zip(objections["actor"], objections["when"])}
''',
        "only cease-and-desist letters (Facebook's demand missed)": '''
objections = events[events["event_type"] == "platform_cease_and_desist"]
story = pd.Timestamp("2020-01-18")
days_to_object = {a: int((w - story).days) for a, w in zip(objections["actor"], objections["when"])}
''',
        "counting both ends (one day too many)": '''
objections = events[events["event_type"].isin(["platform_cease_and_desist", "platform_demand"])]
story = pd.Timestamp("2020-01-18")
days_to_object = {a: int((w - story).days) + 1 for a, w in zip(objections["actor"], objections["when"])}
''',
        "Timedelta objects instead of a number of days": '''
objections = events[events["event_type"].isin(["platform_cease_and_desist", "platform_demand"])]
days_to_object = dict(zip(objections["actor"], objections["when"] - pd.Timestamp("2020-01-18")))
''',
    },
    "q2": {
        "string matching on every Disallow line, whatever the group": '''
def allowed_paths(robots_txt, user_agent, paths):
    rules = [line.split(":", 1)[1].strip() for line in robots_txt.splitlines() if line.lower().startswith("disallow")]
    return [p for p in paths if not any(r and p.startswith(r) for r in rules)]
''',
        "ignores the user agent (always asks for '*')": '''
def allowed_paths(robots_txt, user_agent, paths):
    rules = Protego.parse(robots_txt)
    return [p for p in paths if rules.can_fetch("http://127.0.0.1" + p, "*")]
''',
        "returns the disallowed paths instead": '''
def allowed_paths(robots_txt, user_agent, paths):
    rules = Protego.parse(robots_txt)
    return [p for p in paths if not rules.can_fetch("http://127.0.0.1" + p, user_agent)]
''',
        "sorts the result instead of keeping the order": '''
def allowed_paths(robots_txt, user_agent, paths):
    rules = Protego.parse(robots_txt)
    return sorted(p for p in paths if rules.can_fetch("http://127.0.0.1" + p, user_agent))
''',
        "ignores Allow lines (any Disallow prefix wins)": '''
def allowed_paths(robots_txt, user_agent, paths):
    rules = Protego.parse(robots_txt.replace("Allow:", "#"))
    return [p for p in paths if rules.can_fetch("http://127.0.0.1" + p, user_agent)]
''',
    },
    "q3": {
        "the texts instead of the instrument names": '''
consent_laws = sorted(legal.loc[legal["what_it_says"].str.contains("consent", case=False), "what_it_says"])
''',
        "case-sensitive search for 'Consent'": '''
consent_laws = sorted(legal.loc[legal["what_it_says"].str.contains("Consent"), "instrument"])
''',
        "every instrument": '''
consent_laws = sorted(legal["instrument"])
''',
        "a pandas Series instead of a list": '''
consent_laws = legal.loc[legal["what_it_says"].str.contains("consent", case=False), "instrument"].sort_values()
''',
        "only 'explicit consent'": '''
consent_laws = sorted(legal.loc[legal["what_it_says"].str.contains("explicit consent"), "instrument"])
''',
        "the first three rows": '''
consent_laws = sorted(legal["instrument"].head(3))
''',
    },
}

# Right answers in another form that must PASS.
RIGHT = {
    "q1": {
        "numpy integers as values": '''
import numpy as np
objections = events[events["event_type"].isin(["platform_cease_and_desist", "platform_demand"])]
days_to_object = {a: np.int64((w - pd.Timestamp("2020-01-18")).days) for a, w in zip(objections["actor"], objections["when"])}
''',
    },
    "q2": {
        "a generator filtered into a list, another host": '''
def allowed_paths(robots_txt, user_agent, paths):
    rp = Protego.parse(robots_txt)
    return list(filter(lambda p: rp.can_fetch("https://example.org" + p, user_agent), paths))
''',
    },
    "q3": {
        "a case-insensitive regex": '''
consent_laws = sorted(legal[legal["what_it_says"].str.contains("(?i)consent")]["instrument"].tolist())
''',
    },
}
