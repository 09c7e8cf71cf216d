"""Accounts, prospects and their contact points, opportunities, and what classifies them."""

from __future__ import annotations

from tap_outreach.client import OutreachStream


class AccountsStream(OutreachStream):
    name = "accounts"
    path = "/accounts"


class AccountNotesStream(OutreachStream):
    """Notes have no `updatedAt`: new notes are read by `createdAt`."""

    name = "account_notes"
    path = "/accountNotes"
    replication_key = "createdAt"


class ProspectsStream(OutreachStream):
    name = "prospects"
    path = "/prospects"


class ProspectNotesStream(OutreachStream):
    """Notes have no `updatedAt`: new notes are read by `createdAt`."""

    name = "prospect_notes"
    path = "/prospectNotes"
    replication_key = "createdAt"


class EmailAddressesStream(OutreachStream):
    name = "email_addresses"
    path = "/emailAddresses"


class PhoneNumbersStream(OutreachStream):
    name = "phone_numbers"
    path = "/phoneNumbers"


class OpportunitiesStream(OutreachStream):
    name = "opportunities"
    path = "/opportunities"


class OpportunityProspectRolesStream(OutreachStream):
    name = "opportunity_prospect_roles"
    path = "/opportunityProspectRoles"


class OpportunityStagesStream(OutreachStream):
    """The stages of opportunities (`opportunities.stage_id`); prospects' stages are `stages`."""

    name = "opportunity_stages"
    path = "/opportunityStages"


class StagesStream(OutreachStream):
    name = "stages"
    path = "/stages"


class PersonasStream(OutreachStream):
    name = "personas"
    path = "/personas"


class ProductsStream(OutreachStream):
    name = "products"
    path = "/products"


class PurchasesStream(OutreachStream):
    name = "purchases"
    path = "/purchases"


class FavoritesStream(OutreachStream):
    name = "favorites"
    path = "/favorites"
