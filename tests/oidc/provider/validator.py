import json
import os

from oauth2_provider.oauth2_validators import OAuth2Validator


class ClaimsValidator(OAuth2Validator):
    oidc_claim_scope = None  # every claim below goes to the ID token and to userinfo

    def get_additional_claims(self, request):
        with open(os.environ["PROVIDER_CLAIMS_FILE"], encoding="utf-8") as fh:
            extra = json.load(fh).get(request.user.username, {})
        return {"preferred_username": request.user.username, "email": request.user.email,
                "name": request.user.get_full_name(), **extra}
