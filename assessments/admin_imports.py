"""Spreadsheet imports in the admin: upload, preview (every bad row, or what changes), confirm.

The preview is a dry run of the same service the management commands call. The file previewed
is kept in the default storage (private, under ``imports/pending/``) and named in a signed token
together with its SHA-256, the user and the options; confirming re-reads exactly that file,
checks its hash, validates it again against the database as it is then, and writes all of it or
nothing. A token is good for one hour and for the user who uploaded the file.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import secrets
from dataclasses import dataclass
from typing import Any

from django import forms
from django.contrib import messages
from django.core import signing
from django.core.exceptions import PermissionDenied
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from assessments import spreadsheets
from assessments.models import Period
from assessments.services import imports
from assessments.services.imports import ImportRejected, ImportSummary

PENDING_DIR = "imports/pending"
TOKEN_SALT = "assessments.admin_imports"
TOKEN_MAX_AGE = 3600
STALE_AFTER = dt.timedelta(days=1)


class ImportForm(forms.Form):
    file = forms.FileField(
        label=gettext_lazy("File"),
        help_text=gettext_lazy("CSV (UTF-8) or Excel (.xlsx), with a row of column headings."),
    )

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.user = user

    def options(self) -> dict[str, Any]:
        """The chosen options as plain data (they travel in the signed token)."""
        period = self.cleaned_data.get("period")
        return {
            "period": period.pk if period else None,
            "name": self.cleaned_data.get("name", ""),
            "approved": bool(self.cleaned_data.get("approved")),
        }


class UnitsImportForm(ImportForm):
    period = forms.ModelChoiceField(
        Period.objects.filter(state__in=[Period.State.DRAFT, Period.State.OPEN]),
        required=False,
        label=gettext_lazy("Also make them take part in"),
        help_text=gettext_lazy("Optional: each unit takes part in this period, in its block."),
    )


class FrameworkImportForm(ImportForm):
    period = forms.ModelChoiceField(
        Period.objects.exclude(state=Period.State.PUBLISHED), label=gettext_lazy("Period")
    )
    name = forms.CharField(
        label=gettext_lazy("Name of the framework"),
        required=False,
        max_length=255,
        help_text=gettext_lazy("Optional; a new framework is named after its year."),
    )


class AnswersImportForm(ImportForm):
    period = forms.ModelChoiceField(
        Period.objects.exclude(state=Period.State.PUBLISHED), label=gettext_lazy("Period")
    )
    approved = forms.BooleanField(
        label=gettext_lazy("Record them as approved submissions (past years)"),
        required=False,
        help_text=gettext_lazy(
            "Each unit's submission is created as approved, with its reviewers' values; only "
            "for units that have no submission in the period yet."
        ),
    )

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, user=user, **kwargs)
        if not imports.can_import_approved(user):
            del self.fields["approved"]


@dataclass(frozen=True)
class PendingImport:
    """A previewed file waiting for confirmation."""

    stored_name: str
    name: str
    sha256: str
    options: dict[str, Any]

    @classmethod
    def store(cls, *, data: bytes, name: str, fmt: str, options: dict[str, Any]) -> PendingImport:
        _forget_stale()
        stored = default_storage.save(
            f"{PENDING_DIR}/{secrets.token_hex(16)}.{fmt}", ContentFile(data)
        )
        return cls(stored, name, hashlib.sha256(data).hexdigest(), options)

    def token(self, *, user_id: int, kind: str) -> str:
        return signing.dumps(
            {
                "stored": self.stored_name,
                "name": self.name,
                "sha256": self.sha256,
                "options": self.options,
                "user": user_id,
                "kind": kind,
            },
            salt=TOKEN_SALT,
        )

    @classmethod
    def load(cls, token: str, *, user_id: int, kind: str) -> tuple[PendingImport, bytes]:
        """The pending file of ``token``; ``signing.BadSignature`` if it is not good any more."""
        payload = signing.loads(token, salt=TOKEN_SALT, max_age=TOKEN_MAX_AGE)
        if payload.get("user") != user_id or payload.get("kind") != kind:
            raise signing.BadSignature("another user's or another import's token")
        stored = str(payload["stored"])
        if not stored.startswith(f"{PENDING_DIR}/") or ".." in stored:
            raise signing.BadSignature("not a pending import")
        try:
            with default_storage.open(stored, "rb") as handle:
                data = handle.read()
        except OSError as exc:
            raise signing.BadSignature("the file is gone") from exc
        if hashlib.sha256(data).hexdigest() != payload["sha256"]:
            raise signing.BadSignature("the file changed")
        return cls(stored, payload["name"], payload["sha256"], payload["options"]), data

    def discard(self) -> None:
        with contextlib.suppress(OSError):
            default_storage.delete(self.stored_name)


def _forget_stale() -> None:
    """Delete pending files nobody confirmed within a day."""
    with contextlib.suppress(OSError, NotImplementedError):
        _dirs, files = default_storage.listdir(PENDING_DIR)
        limit = timezone.now() - STALE_AFTER
        for file in files:
            name = f"{PENDING_DIR}/{file}"
            if default_storage.get_modified_time(name) < limit:
                default_storage.delete(name)


class SpreadsheetImportMixin:
    """Adds "Import" to a ModelAdmin's change list: upload, preview, confirm.

    The admin class sets ``import_form_class``, ``import_permissions`` and ``run_import``.
    """

    change_list_template = "admin/assessments/change_list_import.html"
    import_form_class: type[ImportForm] = ImportForm
    import_permissions: tuple[str, ...] = ()
    import_title = gettext_lazy("Import from a spreadsheet")

    def run_import(
        self,
        request: HttpRequest,
        sheet: spreadsheets.Sheet,
        options: dict[str, Any],
        *,
        dry_run: bool,
    ) -> ImportSummary:
        raise NotImplementedError

    def get_urls(self) -> list[Any]:
        admin_self: Any = self
        info = admin_self.opts.app_label, admin_self.opts.model_name
        return [
            path(
                "import/",
                admin_self.admin_site.admin_view(self.import_view),
                name="{}_{}_import".format(*info),
            ),
            *super().get_urls(),  # type: ignore[misc]
        ]

    def has_import_permission(self, request: HttpRequest) -> bool:
        user = request.user
        return bool(user.is_active and user.is_staff) and all(
            user.has_perm(permission) for permission in self.import_permissions
        )

    def changelist_view(self, request: HttpRequest, extra_context: dict | None = None) -> Any:
        extra = dict(extra_context or {})
        if self.has_import_permission(request):
            extra["import_url"] = self._url("import")
            extra["import_title"] = self.import_title
        return super().changelist_view(request, extra)  # type: ignore[misc]

    def _url(self, action: str) -> str:
        opts = self.opts  # type: ignore[attr-defined]
        return reverse(f"admin:{opts.app_label}_{opts.model_name}_{action}")

    @property
    def _kind(self) -> str:
        return str(self.opts.model_name)  # type: ignore[attr-defined]

    def import_view(self, request: HttpRequest) -> HttpResponse:
        if not self.has_import_permission(request):
            raise PermissionDenied
        if request.method == "POST" and "token" in request.POST:
            return self._confirm(request)
        form = self.import_form_class(
            request.POST if request.method == "POST" else None,
            request.FILES if request.method == "POST" else None,
            user=request.user,
        )
        if request.method == "POST" and form.is_valid():
            try:
                name, fmt, data = spreadsheets.upload_bytes(form.cleaned_data["file"])
                sheet = spreadsheets.read_bytes(data, name=name, fmt=fmt)
            except spreadsheets.SpreadsheetRejected as exc:
                form.add_error("file", exc.message)
            else:
                options = form.options()
                try:
                    summary = self.run_import(request, sheet, self._resolved(options), dry_run=True)
                except ImportRejected as exc:
                    return self._render_preview(request, name=name, rejected=exc)
                pending = PendingImport.store(data=data, name=name, fmt=fmt, options=options)
                token = pending.token(user_id=request.user.pk, kind=self._kind)
                return self._render_preview(request, name=name, summary=summary, token=token)
        return TemplateResponse(
            request,
            "admin/assessments/import_form.html",
            {**self._context(request), "form": form},
        )

    def _confirm(self, request: HttpRequest) -> HttpResponse:
        try:
            pending, data = PendingImport.load(
                request.POST["token"], user_id=request.user.pk, kind=self._kind
            )
        except signing.BadSignature:
            messages.error(
                request,
                _("The preview expired or its file is gone; upload the file again."),
            )
            return HttpResponseRedirect(self._url("import"))
        try:
            sheet = spreadsheets.read_bytes(data, name=pending.name)
            summary = self.run_import(
                request, sheet, self._resolved(pending.options), dry_run=False
            )
        except spreadsheets.SpreadsheetRejected as exc:  # pragma: no cover - vetted at preview
            messages.error(request, exc.message)
            return HttpResponseRedirect(self._url("import"))
        except ImportRejected as exc:
            # The database changed since the preview: show what is wrong now; nothing written.
            return self._render_preview(request, name=pending.name, rejected=exc)
        pending.discard()
        admin_self: Any = self
        admin_self.message_user(
            request,
            _("“%(name)s” imported: %(summary)s") % {"name": pending.name, "summary": summary},
            messages.SUCCESS,
        )
        return HttpResponseRedirect(self._url("changelist"))

    @staticmethod
    def _resolved(options: dict[str, Any]) -> dict[str, Any]:
        period_pk = options.get("period")
        return {
            **options,
            "period": Period.objects.get(pk=period_pk) if period_pk else None,
        }

    def _render_preview(
        self,
        request: HttpRequest,
        *,
        name: str,
        summary: ImportSummary | None = None,
        token: str = "",
        rejected: ImportRejected | None = None,
    ) -> HttpResponse:
        return TemplateResponse(
            request,
            "admin/assessments/import_preview.html",
            {
                **self._context(request),
                "file_name": name,
                "summary": summary,
                "token": token,
                "rejected": rejected,
                "errors": rejected.errors if rejected else [],
            },
        )

    def _context(self, request: HttpRequest) -> dict[str, Any]:
        admin_self: Any = self
        return {
            **admin_self.admin_site.each_context(request),
            "opts": admin_self.opts,
            "title": self.import_title,
            "kind": self._kind,
            "import_url": self._url("import"),
            "changelist_url": self._url("changelist"),
            "limits": spreadsheets.limits(),
            "max_megabytes": spreadsheets.megabytes(spreadsheets.limits().max_bytes),
        }


def export_answers_response(period: Period, fmt: str) -> HttpResponse:
    """A period's answers as a download, in the format the answers import reads."""
    rows = imports.export_rows(period)
    if fmt == "xlsx":
        data = spreadsheets.write_xlsx(imports.EXPORT_COLUMNS, rows, title=f"answers-{period.year}")
        content_type = spreadsheets.XLSX_CONTENT_TYPE
    else:
        data = spreadsheets.write_csv(imports.EXPORT_COLUMNS, rows)
        content_type = spreadsheets.CSV_CONTENT_TYPE
    response = HttpResponse(data, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="answers-{period.year}.{fmt}"'
    response["Cache-Control"] = "private, no-store"
    return response
