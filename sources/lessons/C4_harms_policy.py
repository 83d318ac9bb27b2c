# %% [markdown]
# # C4. Harms and policy: a face is not a password
#
# **Why this matters.** After a password leak you change the password. After a face-template leak
# there is nothing to change. This lesson measures that difference with the course's own pipeline,
# weighs the benefits claimed for face search against its risks, and maps who regulates what.
#
# **Learning objectives.** After this lesson you can
# 1. show with embeddings why a biometric template cannot be "rotated", and why hashing cannot protect it;
# 2. weigh a claimed benefit against the evidence the record gives for it;
# 3. name the people known to have been arrested after a false face recognition match, and what the record says
#    about the systems involved;
# 4. summarise which authorities acted against Clearview, under which kind of law, and what it cost, and tell the
#    two US settlements apart.
#
# **Prerequisites.** `lessons/B3_embeddings.ipynb`, `lessons/C1_timeline.ipynb`.
#
# **Estimated time.** 25 minutes.

# %% [markdown]
# ## You cannot change your face
#
# Take two different photos of the same person. If face templates were like passwords, a new photo
# would be a new secret. It is not: the two embeddings land close together, below the usual 0.6
# match threshold.

# %%
import hashlib

import pandas as pd
from IPython.display import Markdown

from facecourse import data
from facecourse.breach import facts
from facecourse.matching import faces

first = faces.embed_single(data.example_path("knn_examples/train/obama/obama.jpg"))
second = faces.embed_single(data.example_path("knn_examples/train/obama/obama2.jpg"))
stranger = faces.embed_single(data.example_path("biden.jpg"))
print(f"same person, different photos: {faces.distance(first.embedding, second.embedding):.2f}")
print(f"different people:              {faces.distance(first.embedding, stranger.embedding):.2f}")


# %% [markdown]
# A template stolen today still matches the photos that will be taken of you in ten years.
#
# ## Why not store hashes, like passwords?
#
# Passwords are stored as salted hashes: the server checks a login by hashing what you typed and
# comparing exact bytes. Faces never produce the same bytes twice, so the hashes of two photos of
# one person never agree (the digits themselves are not shown here: they change with the last bit
# of the floating-point arithmetic on your machine):

# %%
def sha(vector):
    return hashlib.sha256(vector.tobytes()).hexdigest()[:16]


print("identical hashes:", sha(first.embedding) == sha(second.embedding))
print("embeddings close enough to match:", bool(faces.is_match(first.embedding, second.embedding)))

# %% [markdown]
# Matching needs a *distance*, so the system must keep the templates in a form it can compare. That
# is why a face-search company holds, and can lose, exactly the data that identifies people for
# life. Schemes that protect templates (cancellable biometrics, encrypted matching) exist, but they
# cost accuracy or speed and were not what this product used.
#
# ## The benefits claimed, against the record
#
# Clearview and its customers pointed to identifying victims of child abuse. The record includes
# what the Canadian privacy commissioner found when it looked at the RCMP's use:

# %%
events = facts.timeline()
rcmp = events[events["headline"].str.contains("RCMP")]
rcmp[["date", "headline", "figure", "figure_unit"]]

# %% [markdown]
# The numbers for the sentence below come from those rows: the `figure` of each, and the share tied
# to child-exploitation cases, which the source gives only in words (a regular expression finds it).

# %%
import re

cases = rcmp.loc[rcmp["figure_unit"] == "cases", "figure"].item()
unaccounted = rcmp.loc[rcmp["figure_unit"].str.contains("unaccounted"), "figure"].item()
tied = re.search(r"about (\d+)%", rcmp.loc[rcmp["figure_unit"].str.contains("unaccounted"), "headline"].item()).group(1)
Markdown(f"The RCMP cited {cases:g} cases, but only about {tied}% of its searches could be tied to "
         f"child-exploitation work and about {unaccounted:g}% could not be accounted for at all.")

# %% [markdown]
# A claimed benefit is real evidence only when there is a record of what each search was for:
# which is the audit log from lesson C3.
#
# ## Who regulates what
#
# There is no single face-search law. Actions came under data-protection law (GDPR in the EU,
# the UK GDPR, Canada's PIPEDA, Australia's Privacy Act), under a state biometric-privacy law in
# Illinois (BIPA, enforced by lawsuits, and amended in 2024 so that a person recovers at most once
# however often their face was scanned), and through contracts and terms of service (the platforms'
# letters). Since 2 February 2025 the European Union also bans the collection method itself: the AI
# Act's Article 5(1)(e) prohibits AI systems that create or expand facial recognition databases
# through untargeted scraping of facial images from the internet or CCTV footage (lesson A1's legal
# map has the text and its source). Counting the legislators', regulators' and courts' timeline rows by jurisdiction needs
# care: one action can take several rows (a decision, then an appeal ruling, then a penalty made
# payable), so the table counts **rows** and, next to them, the number of **different authorities or
# parties** that acted (`nunique` on the `actor` column):

# %%
legal = events[events["event_type"].isin(["regulator", "tribunal", "court_ruling", "settlement", "legislation",
                                          "settlement_approved", "lawsuit", "criminal_complaint"])]
by_place = legal.assign(jurisdiction=legal["jurisdiction"].map(facts.jurisdiction_name))
(by_place.groupby("jurisdiction").agg(timeline_rows=("headline", "size"), actors=("actor", "nunique"))
 .sort_values(["timeline_rows", "actors"], ascending=False))

# %% [markdown]
# Fines need the same care. `facts.fines()` keeps, for each money row, its `kind` (a fine, a
# provisional amount, a daily penalty, a liquidated penalty: a daily penalty made payable, which is an
# order to pay and not a payment), who was `fined` (Sweden fined its own
# police authority for *using* Clearview, not the company) and a `flag` for decisions that are not
# final. Totals per currency, kept apart:

# %%
fines = facts.fines()
decided = fines[fines["kind"] == "fine"].copy()
decided["status"] = "on Clearview, not flagged"
decided.loc[decided["flag"].str.contains("not final"), "status"] = "on Clearview, not final"
decided.loc[decided["fined"] != "Clearview AI", "status"] = "on a Clearview customer"
totals = (decided.groupby(["status", "currency"])["amount"].agg(["count", "sum"])
          .rename(columns={"count": "decisions", "sum": "total"}))
totals

# %%
settled = decided[decided["status"] == "on Clearview, not flagged"]
eur = settled[settled["currency"] == "EUR"]
uk = decided[decided["status"] == "on Clearview, not final"]
police = decided[decided["status"] == "on a Clearview customer"]
Markdown(f"Fines on Clearview that are not flagged as contested total EUR {eur['amount'].sum() / 1e6:g}m across "
         f"{len(eur)} decisions ({', '.join(eur['country'])}), several of them reported as unpaid. "
         + " ".join(f"The {r.country} fine of {r.currency} {r.amount:,.0f} is not final (overturned, then restored "
                    f"on jurisdiction)." for r in uk.itertuples())
         + " ".join(f" The {r.currency} {r.amount:,.0f} fine in {r.country} was imposed on the {r.fined}."
                    for r in police.itertuples()))

# %% [markdown]
# In the US there were two separate outcomes, years apart, and they are easy to merge into one.
# The timeline keeps them as separate rows:

# %%
us_outcomes = events[events["event_type"].isin(["settlement", "settlement_proposed", "settlement_approved"])]
us_outcomes[["date", "event_type", "actor", "headline", "figure", "figure_unit"]]

# %%
aclu = us_outcomes[us_outcomes["event_type"] == "settlement"]
approved = us_outcomes[us_outcomes["event_type"] == "settlement_approved"]
stake = approved.loc[approved["figure_unit"] == "percent equity", "figure"].item()
value = approved.loc[approved["figure_unit"].str.startswith("USD"), "figure"].item()
ban_years = aclu.loc[aclu["figure_unit"].str.contains("Illinois ban"), "figure"].item()
bars = aclu["headline"].iloc[0].removeprefix("The ACLU settlement ").rstrip(".")
Markdown(f"**The ACLU's settlement** ({aclu['actor'].iloc[0]}, {aclu['when'].iloc[0]:%B %Y}), under Illinois' BIPA, "
         f"restricts whom Clearview may sell to: it {bars}, with a {ban_years:g}-year ban in Illinois itself. It "
         "brought no money for the people in the photos.\n\n"
         f"**The federal class settlement** of the consolidated class actions was approved by "
         f"{approved['actor'].iloc[0]} on {approved['when'].iloc[0].day} {approved['when'].iloc[0]:%B %Y}: the class "
         f"receives a {stake:g}% stake in the company, valued at about USD {value / 1e6:g}m, instead of cash, and no "
         "injunction: the court pointed to the ACLU agreement, which already limits whom Clearview may sell to.")

# %% [markdown]
# ## A false match has a name
#
# A search of billions returns innocent candidates (lesson B6 counts them). When police treat
# such a candidate as an identification, an innocent person is arrested. These cases are
# documented, each with its source; where the sources do not establish which face recognition
# system was used, the table says so:

# %%
arrests = facts.wrongful_arrests()
arrests[["person", "arrested", "agency", "system", "held", "outcome"]]

# %%
clearview_named = arrests[arrests["system"].str.contains("Clearview")]
unsure = arrests["system"].str.contains("not established|not confirmed|not named")
confirmed = clearview_named[~clearview_named["system"].str.contains("not established|not confirmed")]
Markdown(f"The table holds {len(arrests)} documented wrongful arrests, from {arrests['when'].min():%B %Y} to "
         f"{arrests['when'].max():%B %Y}: "
         + "; ".join(f"{r.person} (held {r.held})" for r in arrests.itertuples())
         + ". Each arrest followed a face recognition lead that the police did not check independently. "
         f"Clearview is named as a possible system in {len(clearview_named)} of them "
         f"({', '.join(clearview_named['person']) or 'none'}), confirmed in {len(confirmed)}; for {int(unsure.sum())} "
         "of the cases the sources do not establish the system or its vendor at all: agencies rarely say which system "
         "they used, which is itself part of the problem.")

# %% [markdown]
# ## Summary
#
# * A face template cannot be revoked, and cannot be protected by hashing: it must stay comparable.
# * A benefit claim needs records of what each search was for.
# * A false match is a person: documented wrongful arrests followed face searches whose result was treated as an identification.
# * Regulation is a patchwork: data-protection authorities abroad, a biometric-privacy statute and lawsuits in Illinois, terms of service elsewhere, and since 2025 an EU ban on building face databases by untargeted scraping.
# * In the US, the ACLU's 2022 BIPA settlement restricts whom Clearview may sell to; the separate federal class settlement approved in 2025 gives the class a stake in the company.
# * Exercise: `exercises/C4_harms_policy.ipynb`.
