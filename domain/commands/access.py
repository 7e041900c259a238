"""Commands on access: revoking tokens."""

from __future__ import annotations

from domain import validation as v
from domain.access import SubjectRevocation, TokenRevocation
from domain.execution import CommandResult, CommandRunner

MAX_TOKEN_ID = 64


class AccessCommands(CommandRunner):
    def revoke_token(self, token_id: str, reason: str = "", idempotency_key: str | None = None) -> CommandResult:
        """Revoking a token twice records nothing the second time."""

        def body():  # type: ignore[no-untyped-def]
            jti = v.text(token_id, "jti", max_length=MAX_TOKEN_ID)
            why = v.text(reason, "reason", max_length=v.MAX_TEXT, required=False)
            if self.get_or_none(TokenRevocation.create_id(jti)) is not None:
                return [], {"jti": jti, "newly_revoked": False}
            return [TokenRevocation(token_id=jti, reason=why)], {"jti": jti, "newly_revoked": True}

        return self.run_command("revokeToken", body, idempotency_key)

    def revoke_tokens_of(
        self, subject: str, issued_up_to: int, reason: str = "", idempotency_key: str | None = None,
    ) -> CommandResult:
        """Every token of `subject` issued at or before `issued_up_to` (Unix seconds, the tokens' `iat`)."""

        def body():  # type: ignore[no-untyped-def]
            who = v.text(subject, "subject", max_length=64)
            cut_off = v.positive_int(issued_up_to, "issuedUpTo")
            why = v.text(reason, "reason", max_length=v.MAX_TEXT, required=False)
            revocation = self.get_or_none(SubjectRevocation.create_id(who))
            if revocation is None:
                revocation = SubjectRevocation(subject=who, issued_up_to=cut_off, reason=why)
            elif not revocation.covers(cut_off):
                revocation.revoke_later(issued_up_to=cut_off, reason=why)
            return [revocation], {"subject": who, "issued_up_to": revocation.issued_up_to}

        return self.run_command("revokeTokensOf", body, idempotency_key)
