"""Account resources an envelope may name: `POST/GET …/brands`, `GET …/brands/{brandId}`
(Brands_PostBrands, Brands_GetBrands, Brand_GetBrand), `GET …/identity_verification`
(AccountIdentityVerification_GetAccountIdentityVerification) and
`GET …/payment_gateway_accounts` (PaymentGatewayAccounts_GetAllPaymentGatewayAccounts). How an
envelope's references to them are checked: references.py."""

from __future__ import annotations

from typing import Any

from flask import jsonify

from . import references, rest
from .errors import invalid_parameter, invalid_request_body
from .state import new_guid


def _account(account_id: str) -> dict[str, Any]:
    return rest.state().accounts.setdefault(account_id, {"account_id": account_id})


def brands_of(account_id: str) -> dict[str, dict[str, Any]]:
    return references.brands(_account(account_id))


def _brand_out(brand: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in brand.items() if v not in (None, "")}


@rest.bp.post("/brands")
def create_brand(account_id: str):
    body = rest.json_body()
    if not isinstance(body, dict):
        raise invalid_request_body("The body must be a JSON object (brand).")
    rest.check_body("brand", body)
    name = str(body.get("brandName") or "").strip()
    if not name:
        raise invalid_parameter("A brand needs a 'brandName'.")
    st = rest.state()
    with st.lock:
        brands = brands_of(account_id)
        brand = {
            **{k: v for k, v in body.items() if k != "brandId"},
            "brandId": new_guid(),
            "brandName": name,
        }
        brands[brand["brandId"]] = brand
        return jsonify({"brands": [_brand_out(brand)]}), 201


@rest.bp.get("/brands")
def list_brands(account_id: str):
    st = rest.state()
    with st.lock:
        return jsonify({"brands": [_brand_out(b) for b in brands_of(account_id).values()]})


@rest.bp.get("/brands/<brand_id>")
def get_brand(account_id: str, brand_id: str):
    st = rest.state()
    with st.lock:
        brand = brands_of(account_id).get(brand_id)
        if brand is None:
            raise invalid_parameter(f"brandId '{brand_id}' is not a brand of this account.")
        return jsonify(_brand_out(brand))


@rest.bp.get("/payment_gateway_accounts")
def list_payment_gateway_accounts(account_id: str):
    st = rest.state()
    with st.lock:
        gateways = list(_account(account_id).get("paymentGatewayAccounts") or [])
        return jsonify({"paymentGatewayAccounts": gateways})
