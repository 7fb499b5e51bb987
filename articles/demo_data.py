"""The demo content's facts: checked sources (see shared/seed/references.md) and article metadata.

Article text lives in demo_content/<slug>/<audience>.md. `manage.py load_demo` turns all of this
into rows through the same factories the tests use. No DOI or PMID here is invented: a field the
checked bibliography marks unverified is left empty.
"""

from pathlib import Path

CONTENT_DIR = Path(__file__).resolve().parent / "demo_content"

SOURCES = {
    "aad-2024": {
        "short_name": "American Academy of Dermatology acne guideline",
        "kind": "guideline",
        "authors": "Reynolds RV, Yeung H, Cheng CE, et al",
        "title": "Guidelines of care for the management of acne vulgaris",
        "publisher": "J Am Acad Dermatol",
        "year": 2024,
        "volume": "90(5)",
        "pages": "1006.e1-1006.e30",
        "doi": "10.1016/j.jaad.2023.12.017",
        "pmid": "38300170",
    },
    "nice-ng198": {
        "short_name": "NICE acne guideline (NG198)",
        "kind": "guideline",
        "authors": "",
        "title": "Acne vulgaris: management (NG198). Published 25 June 2021, since updated",
        "publisher": "National Institute for Health and Care Excellence (NICE)",
        "year": 2021,
        "url": "https://www.nice.org.uk/guidance/ng198",
    },
    "fda-ipledge": {
        "short_name": "FDA iPLEDGE safety programme for isotretinoin",
        "kind": "regulator",
        "authors": "",
        "title": "iPLEDGE REMS (Risk Evaluation and Mitigation Strategy) and the isotretinoin "
        "boxed warning",
        "publisher": "U.S. Food and Drug Administration",
        "year": None,
    },
    "ema-retinoids-2018": {
        "short_name": "European Medicines Agency review of retinoid medicines",
        "kind": "regulator",
        "authors": "",
        "title": "Retinoid-containing medicinal products: referral concluded 22 March 2018",
        "publisher": "European Medicines Agency",
        "year": 2018,
    },
    "cochrane-2018": {
        "short_name": "Cochrane review of isotretinoin for acne",
        "kind": "systematic_review",
        "authors": "Costa CS, Bagatin E, Martimbianco ALC, et al",
        "title": "Oral isotretinoin for acne",
        "publisher": "Cochrane Database Syst Rev",
        "year": 2018,
        "volume": "11(11)",
        "pages": "CD009435",
        "doi": "10.1002/14651858.CD009435.pub2",
        "pmid": "30484286",
    },
    "lee-2011": {
        "short_name": "Lee 2011 trial of isotretinoin doses",
        "kind": "trial",
        "authors": "Lee JW, Yoo KH, Park KY, et al",
        "title": "Effectiveness of conventional, low-dose and intermittent oral isotretinoin in "
        "the treatment of acne: a randomized, controlled comparative study",
        "publisher": "Br J Dermatol",
        "year": 2011,
        "volume": "164(6)",
        "pages": "1369-75",
        "doi": "10.1111/j.1365-2133.2010.10152.x",
        "pmid": "21114478",
    },
    "amichai-2006": {
        "short_name": "Amichai 2006 study of low-dose isotretinoin",
        "kind": "trial",
        "authors": "Amichai B, et al",
        "title": "Low-dose isotretinoin in the treatment of acne vulgaris",
        "publisher": "J Am Acad Dermatol",
        "year": 2006,
        "volume": "54(4)",
        "pages": "644-6",
        "doi": "10.1016/j.jaad.2005.11.1061",
        "pmid": "16546586",
    },
    "rademaker-2014": {
        "short_name": "Rademaker 2014 trial of 5 mg isotretinoin",
        "kind": "trial",
        "authors": "Rademaker M, Wishart JM, Birchall NM",
        "title": "Isotretinoin 5 mg daily for low-grade adult acne vulgaris: a placebo-controlled, "
        "randomized double-blind study",
        "publisher": "J Eur Acad Dermatol Venereol",
        "year": 2014,
        "volume": "28(6)",
        "pages": "747-54",
        "doi": "10.1111/jdv.12170",
        "pmid": "23617693",
    },
    "agarwal-2011": {
        "short_name": "Agarwal 2011 trial of isotretinoin doses",
        "kind": "trial",
        "authors": "Agarwal US, Besarwal RK, Bhola K",
        "title": "Oral isotretinoin in different dose regimens for acne vulgaris: a randomized "
        "comparative trial",
        "publisher": "Indian J Dermatol Venereol Leprol",
        "year": 2011,
        "volume": "77(6)",
        "pages": "688-94",
        "doi": "10.4103/0378-6323.86482",
        "pmid": "22016276",
    },
    "dhaked-2016": {
        "short_name": "Dhaked 2016 trial of two low-dose regimens",
        "kind": "trial",
        "authors": "Dhaked DR, Meena RS, Maheshwari A, Agarwal US, Purohit S",
        "title": "A randomized comparative trial of two low-dose oral isotretinoin regimens in "
        "moderate to severe acne vulgaris",
        "publisher": "Indian Dermatol Online J",
        "year": 2016,
        "volume": "7(5)",
        "pages": "378-85",
        "doi": "10.4103/2229-5178.190505",
        "pmid": "27730033",
    },
    "lin-2025": {
        "short_name": "Lin 2025 review of isotretinoin dosing",
        "kind": "systematic_review",
        "authors": "Lin L, Lin W, Zheng Y, Cai H",
        "title": "Effectiveness and safety of different dosing regimens of isotretinoin for acne "
        "vulgaris: a systematic review",
        "publisher": "Postepy Dermatol Alergol",
        "year": 2025,
        "volume": "42(4)",
        "pages": "346-53",
        "doi": "10.5114/ada.2025.153322",
        "pmid": "41001139",
    },
    "mayo-micromedex": {
        "short_name": "Mayo Clinic drug information on isotretinoin",
        "kind": "drug_information",
        "authors": "",
        "title": "Isotretinoin (oral route): precautions. Drug information provided by Merative "
        "Micromedex",
        "publisher": "Mayo Clinic",
        "year": None,
        "url": "https://www.mayoclinic.org/drugs-supplements/isotretinoin-oral-route/precautions/"
        "drg-20068178",
    },
    "strauss-1984": {
        "short_name": "Strauss 1984 dose-response study",
        "kind": "trial",
        "authors": "Strauss JS, Rapini RP, Shalita AR, et al",
        "title": "Isotretinoin therapy for acne: results of a multicenter dose-response study",
        "publisher": "J Am Acad Dermatol",
        "year": 1984,
        "volume": "10(3)",
        "pages": "490-6",
        "doi": "10.1016/s0190-9622(84)80100-0",
        # Its PMID is unverified in the checked bibliography, so none is given.
        "pmid": "",
    },
}

ARTICLES = [
    {
        "slug": "micro-dose-vs-conventional-isotretinoin",
        "title": "What is the difference between micro-dose isotretinoin (Accutane) and "
        "conventional isotretinoin (Accutane)?",
        "summary": "How a lower-dose course of isotretinoin differs from the standard one: the "
        "doses, how well each works, the side effects, and the pregnancy rules that apply to "
        "both.",
        "state": "under_review",
        "citations": [
            "aad-2024",
            "nice-ng198",
            "fda-ipledge",
            "ema-retinoids-2018",
            "cochrane-2018",
            "lee-2011",
            "amichai-2006",
            "rademaker-2014",
            "agarwal-2011",
            "dhaked-2016",
            "lin-2025",
            "strauss-1984",
            "mayo-micromedex",
        ],
    },
    {
        "slug": "isotretinoin-dose-and-pregnancy",
        "title": "Does a lower dose of isotretinoin make pregnancy safer?",
        "summary": "No. Isotretinoin can harm an unborn baby at any dose, so the same pregnancy "
        "precautions apply however small the dose is.",
        "state": "submitted",
        "citations": [
            "fda-ipledge",
            "ema-retinoids-2018",
            "mayo-micromedex",
            "lee-2011",
            "agarwal-2011",
            "lin-2025",
            "rademaker-2014",
            "dhaked-2016",
            "cochrane-2018",
            "amichai-2006",
        ],
    },
    {
        "slug": "isotretinoin-5-mg-for-mild-adult-acne",
        "title": "Can a very low daily dose of isotretinoin help mild acne in adults?",
        "summary": "One trial found that 5 mg a day helped adults with mild acne. What "
        "that study shows, and what it does not.",
        "state": "under_review",
        "citations": [
            "rademaker-2014",
            "fda-ipledge",
            "ema-retinoids-2018",
            "mayo-micromedex",
            "aad-2024",
            "cochrane-2018",
            "lee-2011",
            "strauss-1984",
        ],
    },
]


# The demo reviewer's PEMAT-P check (articles/pemat.py, by item number) of the main article's
# patient text, recorded during its review, which stays open: the caregiver text is not rated
# yet, so approving would still need its rating or the reviewer's reason. Rated on the text as
# written, faults included: study details a patient does not need (2), tetracycline antibiotics
# named but not explained (4), and no picture or timeline where one would help: the months of
# birth control and pregnancy tests (15, 26). It has no pictures (18) and asks for no sums (24).
PEMAT_CHECKS = {
    "micro-dose-vs-conventional-isotretinoin": {
        "patient": {
            "ratings": {
                1: "agree",
                2: "disagree",
                3: "agree",
                4: "disagree",
                5: "agree",
                6: "agree",
                7: "agree",
                8: "agree",
                9: "agree",
                10: "agree",
                11: "agree",
                12: "agree",
                15: "disagree",
                16: "agree",
                17: "agree",
                18: "na",
                19: "agree",
                20: "agree",
                21: "agree",
                22: "agree",
                23: "agree",
                24: "na",
                25: "agree",
                26: "disagree",
            },
            "note": "Clear, with a short answer first, a captioned comparison table and a "
            "checklist to act on. To improve: the research section goes further than a patient "
            "needs, tetracycline antibiotics are named but not explained, and a timeline of the "
            "birth-control and pregnancy-test months would help more than words alone.",
        },
    },
}


def variant_text(slug: str, audience_slug: str) -> str:
    return (CONTENT_DIR / slug / f"{audience_slug}.md").read_text(encoding="utf-8")


def key_facts(slug: str) -> dict:
    """The article's key facts: the one-sentence answer and the pregnancy callout."""
    return {
        "answer": (CONTENT_DIR / slug / "answer.md").read_text(encoding="utf-8").strip(),
        "pregnancy_warning": (CONTENT_DIR / slug / "pregnancy.md")
        .read_text(encoding="utf-8")
        .strip(),
    }
