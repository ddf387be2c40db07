"""Protocol steps of the hotline technical guide, section 三 (HL-03, HL-05, HL-07).

Each step has a stable key (stored in Contact.protocol_steps_done) and a translated text.
"""

from django.utils.translation import gettext_lazy as _

from xinyuan.hotline.models import ContactType

STAGES = [
    (1, _("Opening"), _("Build rapport, learn the purpose of the contact, collect the profile.")),
    (
        2,
        _("Emotional relief and clarification"),
        _(
            "Understand the distress, give emotional support, judge the crisis state from voice, "
            "tone, speed, breathing and fluency."
        ),
    ),
    (
        3,
        _("Main problem and goal"),
        _("List the problems with the caller, choose the one to address first, agree the goal."),
    ),
    (
        4,
        _("Problem solving"),
        _(
            "Motivation, past coping, internal and external resources, obstacles; a specific, "
            "measurable, achievable, relevant, time-bound goal; options with pros and cons."
        ),
    ),
    (
        5,
        _("Summary and close"),
        _(
            "Summarise, especially the actions the caller decided on; express confidence; ask for "
            "feedback and how far the goal was reached."
        ),
    ),
]

PROTOCOLS: dict[str, list[tuple[str, object]]] = {
    ContactType.SUICIDE_RISK: [
        ("ask_ideation", _("Ask directly whether the caller has thought of suicide.")),
        ("quantify", _("Rate the intensity of suicidal ideation and hopelessness (0–10).")),
        (
            "plan",
            _(
                "Assess the plan: immediacy, method and its lethality, means at hand (which drug, "
                "how much)."
            ),
        ),
        ("history", _("Ask about past attempts and suicide among relatives or friends.")),
        (
            "safety",
            _(
                "Before ending: warn that suicidal thoughts may return, teach warning signs, write "
                "down people and numbers to call and medical institutions."
            ),
        ),
        ("handover", _("Record, hand over, and book a follow-up within 24 hours with consent.")),
    ],
    ContactType.SILENT: [
        ("greet_wait", _("Greet, wait for a response; if none, stay silent for a short time.")),
        (
            "care",
            _(
                "Express care and willingness to help, explain confidentiality, invite a response. "
                "If the caller responds, follow the general flow."
            ),
        ),
        (
            "close_politely",
            _(
                "After 2 minutes of silence, say politely that the contact will end and that they "
                "are welcome to call again."
            ),
        ),
    ],
    ContactType.CHITCHAT: [
        (
            "clarify",
            _("Clarify the purpose; treat as a general contact until it is clearly chit-chat."),
        ),
        ("focus", _("Try to clarify and focus on the caller's distress or feelings.")),
        ("match", _("Check whether content and affect match.")),
        (
            "scope_end",
            _("If there is no clear distress, explain the service scope and end politely."),
        ),
    ],
    ContactType.HARASSMENT: [
        ("general_first", _("Treat as a general contact until harassment is clear.")),
        ("focus_impact", _("If unsure, focus on how the sexual concern affects life and mind.")),
        (
            "scope_hang_up",
            _(
                "If the caller keeps describing sexual details: state the service scope and aim, "
                "say the contact will end, and hang up."
            ),
        ),
    ],
    ContactType.REPEATED: [
        (
            "rule",
            _(
                "Agree a management rule with the caller (for example once a week, 15–20 minutes) "
                "and encourage them to keep it."
            ),
        ),
        ("assess_every_time", _("Assess suicide risk on every contact.")),
        (
            "route",
            _("No suicide risk: general flow. Suicide risk: the suicide-risk protocol."),
        ),
    ],
    ContactType.MENTAL_DISORDER: [
        ("purpose", _("Identify the purpose of the contact.")),
        ("soothe_assess", _("Help the caller calm down; assess suicide risk.")),
        (
            "life_focus",
            _(
                "When communication is possible, follow the general flow; focus on problems of "
                "daily life and the impact of symptoms, not on the symptoms themselves."
            ),
        ),
        ("knowledge_refer", _("Give mental-health information; suggest specialist care, refer.")),
    ],
    ContactType.FOR_OTHERS: [
        ("keep_short", _("Contacts on behalf of others are kept short.")),
    ],
    ContactType.INFORMATION: [
        ("keep_short", _("Information requests are kept short.")),
    ],
}


def steps_for(contact_type: str, risk_level: str = ""):
    """The protocol of the contact's type; a high-risk level always adds the suicide-risk steps."""
    steps = list(PROTOCOLS.get(contact_type, []))
    if risk_level in ("high", "imminent") and contact_type != ContactType.SUICIDE_RISK:
        steps += PROTOCOLS[ContactType.SUICIDE_RISK]
    return steps
