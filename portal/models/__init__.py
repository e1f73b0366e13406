"""The deal-registration domain: organisations, customers, the catalogue and deals.

Data invariants live here as database constraints; status changes live in
`portal.workflow` only, who may see and do what in `portal.access`.
"""

from portal.models.activity import DealComment, ExtensionRequest
from portal.models.api import PartnerApiToken, WebhookDelivery, WebhookEndpoint, WebhookEvent
from portal.models.applications import DistributorApiToken, PartnerApplication
from portal.models.attachments import DealAttachment
from portal.models.catalogue import Competitor, Product, ProductFamily
from portal.models.customers import Customer, CustomerContact
from portal.models.deals import (
    MAX_PRODUCTS_PER_DEAL,
    NUMBERED_STATUSES,
    Deal,
    DealContact,
    DealHistory,
    DealLine,
    DealRegSequence,
    DealStatus,
)
from portal.models.exports import ExportJob
from portal.models.limits import RateLimitCounter
from portal.models.log import ActionLogEntry
from portal.models.organisations import Distributor, Partner, User
from portal.models.programme import (
    DecisionRule,
    DecisionRuleVersion,
    ProgrammeTier,
    TierDiscount,
)
from portal.models.review import ActionRequest, ReviewReason
from portal.models.tallies import DealTally

__all__ = [
    "MAX_PRODUCTS_PER_DEAL",
    "NUMBERED_STATUSES",
    "ActionLogEntry",
    "ActionRequest",
    "Competitor",
    "Customer",
    "CustomerContact",
    "Deal",
    "DealAttachment",
    "DealComment",
    "DealContact",
    "DealHistory",
    "DealLine",
    "DealRegSequence",
    "DealStatus",
    "DealTally",
    "DecisionRule",
    "DecisionRuleVersion",
    "Distributor",
    "DistributorApiToken",
    "ExportJob",
    "ExtensionRequest",
    "Partner",
    "PartnerApiToken",
    "PartnerApplication",
    "Product",
    "ProductFamily",
    "ProgrammeTier",
    "RateLimitCounter",
    "ReviewReason",
    "TierDiscount",
    "User",
    "WebhookDelivery",
    "WebhookEndpoint",
    "WebhookEvent",
]
