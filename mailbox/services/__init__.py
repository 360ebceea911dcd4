"""Use cases of the leader mailbox and the message board: one function each, by topic.

Every function checks permission, writes inside one transaction, logs to Wagtail's
audit log and to the letter's visible history, and sends mail only after commit.
`from mailbox import services; services.submit_letter(...)` keeps working: the
public names of every module are here.
"""

from members.ratelimit import RateLimited

from .board import (
    appeal_message,
    approve_message,
    decide_appeal,
    dismiss_reports,
    hide_message,
    post_message,
    reject_message,
    reply_to_message,
    report_message,
)
from .deadlines import (
    deadline_flag,
    due_date_for,
    working_calendar,
)
from .handling import (
    accept_letter,
    add_note,
    close_letter,
    draft_reply,
    publish_letter,
    reject_letter,
    return_reply,
    reveal_contact,
    sign_off_reply,
    transfer_letter,
    unpublish_letter,
)
from .letters import (
    CODE_PURPOSE,
    MAX_ATTACHMENTS,
    LetterData,
    LetterStateError,
    ask_follow_up,
    attachment_limit,
    find_tracked_letter,
    new_submission_token,
    rate_letter,
    submit_letter,
)
from .letters import (
    _code_key as _code_key,
)
from .scheduled import (
    purge_orphan_letter_files,
    purge_personal_data,
    send_deadline_reminders,
)

__all__ = [
    "CODE_PURPOSE",
    "MAX_ATTACHMENTS",
    "LetterData",
    "LetterStateError",
    "RateLimited",
    "accept_letter",
    "add_note",
    "appeal_message",
    "approve_message",
    "ask_follow_up",
    "attachment_limit",
    "close_letter",
    "deadline_flag",
    "decide_appeal",
    "dismiss_reports",
    "draft_reply",
    "due_date_for",
    "find_tracked_letter",
    "hide_message",
    "new_submission_token",
    "post_message",
    "publish_letter",
    "purge_orphan_letter_files",
    "purge_personal_data",
    "rate_letter",
    "reject_letter",
    "reject_message",
    "reply_to_message",
    "report_message",
    "return_reply",
    "reveal_contact",
    "send_deadline_reminders",
    "sign_off_reply",
    "submit_letter",
    "transfer_letter",
    "unpublish_letter",
    "working_calendar",
]
