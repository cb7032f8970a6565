"""Banking77 intents read as a sentiment: problems (negative) and information requests (neutral), by intent
name. Shared by both sentiment training scripts (train_sentiment.py, train_sentiment_encoder.py); intents in
neither set are not used."""

BANKING_NEGATIVE = {
    "card_not_working", "contactless_not_working", "declined_card_payment", "declined_cash_withdrawal",
    "declined_transfer", "failed_transfer", "top_up_failed", "top_up_reverted", "transaction_charged_twice",
    "wrong_amount_of_cash_received", "card_swallowed", "compromised_card", "lost_or_stolen_card",
    "lost_or_stolen_phone", "pin_blocked", "Refund_not_showing_up", "transfer_not_received_by_recipient",
    "balance_not_updated_after_bank_transfer", "balance_not_updated_after_cheque_or_cash_deposit",
    "card_payment_not_recognised", "cash_withdrawal_not_recognised", "direct_debit_payment_not_recognised",
    "extra_charge_on_statement", "card_payment_wrong_exchange_rate", "wrong_exchange_rate_for_cash_withdrawal",
    "unable_to_verify_identity", "virtual_card_not_working", "reverted_card_payment?",
}
BANKING_NEUTRAL = {
    "exchange_rate", "fiat_currency_support", "card_delivery_estimate", "automatic_top_up", "age_limit",
    "top_up_limits", "supported_cards_and_currencies", "getting_virtual_card", "edit_personal_details",
    "why_verify_identity", "get_physical_card", "visa_or_mastercard", "topping_up_by_card",
    "disposable_card_limits", "atm_support", "change_pin", "receiving_money", "transfer_into_account",
    "getting_spare_card", "top_up_by_cash_or_cheque", "order_physical_card", "get_disposable_virtual_card",
    "activate_my_card", "card_about_to_expire", "apple_pay_or_google_pay", "verify_my_identity",
    "country_support", "exchange_via_app", "card_linking", "card_acceptance", "transfer_timing",
    "verify_source_of_funds", "verify_top_up",
}
