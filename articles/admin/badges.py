from django.utils.html import format_html


def state_badge(state, label, overdue=False, recheck=False):
    if recheck:
        return format_html(
            '<span class="state-badge state-recheck">{} · re-check needed</span>', label
        )
    if overdue:
        return format_html(
            '<span class="state-badge state-overdue">{} · review overdue</span>', label
        )
    return format_html('<span class="state-badge state-{}">{}</span>', state, label)
