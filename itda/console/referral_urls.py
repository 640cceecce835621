"""Console pages: referrals. Names live in the console namespace."""

from django.urls import path

from itda.console import referrals

urlpatterns = [
    path("", referrals.outbox, name="referral_outbox"),
    path("inbox/", referrals.inbox, name="referral_inbox"),
    path("new/", referrals.send, name="referral_send"),
    path("<int:referral_id>/", referrals.detail, name="referral_detail"),
    path("<int:referral_id>/move/", referrals.move, name="referral_move"),
]
