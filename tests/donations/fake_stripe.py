"""A local fake of the Stripe endpoints the site calls, as a real HTTP server in a thread.

The real `stripe` library talks to it over HTTP (STRIPE_API_BASE points here): Checkout
Session create and retrieve, subscription cancel, refund create, and the list of an
invoice's payments (GET /v1/invoice_payments?invoice=...). Objects have the pinned API
version's shapes: an invoice names no payment intent (its InvoicePayments do), a charge
lists no refunds. Like Stripe it checks
the secret key, the pinned API version, and replays a request sent again with the same
Idempotency-Key. It also serves a tiny "hosted checkout" page so a donor can be walked
through in a browser: paying there completes the session, sends the signed webhook events
Stripe would send, and redirects to the success URL.
"""

import html
import itertools
import json
import threading
import time
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl, urlsplit

from tests.donations import stripe_payloads as payloads

SECRET_KEY = "sk_test_fake_campaign"
WEBHOOK_SECRET = "whsec_test_fake_campaign"


def parse_form(body: str) -> dict:
    """Stripe's form encoding (`a[b][0][c]=1`) back into nested dicts and lists."""
    root: dict = {}
    for key, value in parse_qsl(body, keep_blank_values=True):
        parts = key.replace("]", "").split("[")
        node = root
        for part in parts[:-1]:
            node = node.setdefault(part, {})
        node[parts[-1]] = value
    return _lists(root)


def _lists(node):
    if isinstance(node, dict):
        if node and all(key.isdigit() for key in node):
            return [_lists(node[key]) for key in sorted(node, key=int)]
        return {key: _lists(value) for key, value in node.items()}
    return node


class FakeStripe:
    def __init__(self):
        self.lock = threading.Lock()
        self.counter = itertools.count(1)
        self.reset()
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), _handler_for(self))
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def start(self) -> None:
        self.thread.start()

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def reset(self) -> None:
        with self.lock:
            self.sessions: dict[str, dict] = {}
            self.subscriptions: dict[str, dict] = {}
            self.refunds: dict[str, dict] = {}
            self.intents: dict[str, int] = {}
            self.invoices: dict[str, dict] = {}
            self.invoice_payments: dict[str, dict] = {}
            self.idempotent: dict[str, tuple[dict, int, dict]] = {}
            self.requests: list[dict] = []
            self.fail_next: int = 0
            self.webhook_url = ""

    def new_id(self, prefix: str) -> str:
        return f"{prefix}_test{next(self.counter):06d}"

    # --- what a test (or the hosted page) does at "Stripe" ----------------------------

    def complete(self, session_id: str, *, paid: bool = True) -> dict:
        """The donor pays on the hosted page: the session completes (for a monthly gift,
        with its subscription and first invoice paid)."""
        with self.lock:
            session = self.sessions[session_id]
            session["status"] = "complete"
            session["payment_status"] = "paid" if paid else "unpaid"
            if session["mode"] == "subscription":
                subscription = self.new_id("sub")
                session["subscription"] = subscription
                session["customer"] = self.new_id("cus")
                self.subscriptions[subscription] = {
                    "id": subscription,
                    "object": "subscription",
                    "status": "active",
                    "cancel_at": None,
                    "canceled_at": None,
                    "metadata": session["metadata"],
                    "_amount": session["amount_total"],
                }
                session["invoice"] = self._invoice_paid(subscription)["id"]
            else:
                session["payment_intent"] = self.new_id("pi")
                self.intents[session["payment_intent"]] = session["amount_total"]
            return dict(session)

    def pay_invoice(self, subscription_id: str) -> dict:
        """A month later: the subscription's next invoice is paid. Returns the invoice."""
        with self.lock:
            return self._invoice_paid(subscription_id)

    def _invoice_paid(self, subscription_id: str) -> dict:
        subscription = self.subscriptions[subscription_id]
        invoice = payloads.invoice(
            invoice_id=self.new_id("in"),
            subscription_id=subscription_id,
            metadata=subscription["metadata"],
            amount=subscription["_amount"],
            billing_reason=(
                "subscription_cycle"
                if any(i["_subscription"] == subscription_id for i in self.invoices.values())
                else "subscription_create"
            ),
        )
        invoice["_subscription"] = subscription_id
        self.invoices[invoice["id"]] = invoice
        self.add_invoice_payment_locked(
            invoice_id=invoice["id"],
            payment_intent=self.new_id("pi"),
            amount=subscription["_amount"],
        )
        return self.public(invoice)

    def add_invoice_payment(self, *, invoice_id: str, payment_intent: str, amount: int) -> dict:
        """Stripe knows that this payment intent paid this invoice (for tests that write
        their own invoice payloads)."""
        with self.lock:
            return self.add_invoice_payment_locked(
                invoice_id=invoice_id, payment_intent=payment_intent, amount=amount
            )

    def add_invoice_payment_locked(self, *, invoice_id, payment_intent, amount) -> dict:
        invoice_payment = payloads.invoice_payment(
            invoice_id=invoice_id,
            payment_intent=payment_intent,
            amount=amount,
            invoice_payment_id=self.new_id("inpay"),
        )
        self.invoice_payments[invoice_payment["id"]] = invoice_payment
        self.intents[payment_intent] = amount
        return invoice_payment

    def intent_of(self, invoice_id: str) -> str:
        [intent] = [
            p["payment"]["payment_intent"]
            for p in self.invoice_payments.values()
            if p["invoice"] == invoice_id
        ]
        return intent

    def expire(self, session_id: str) -> dict:
        with self.lock:
            self.sessions[session_id]["status"] = "expired"
            return dict(self.sessions[session_id])

    def events_for_payment(self, session_id: str) -> list[dict]:
        """What Stripe sends when a session is paid: the session completed and, for a
        monthly gift, its first invoice paid and that invoice's payment paid."""
        session = self.public(self.sessions[session_id])
        events = [payloads.event("checkout.session.completed", session)]
        if session["mode"] == "subscription":
            events += self.events_for_invoice(session["invoice"])
        return events

    def events_for_invoice(self, invoice_id: str) -> list[dict]:
        invoice = self.public(self.invoices[invoice_id])
        [invoice_payment] = [
            p for p in self.invoice_payments.values() if p["invoice"] == invoice_id
        ]
        return [
            payloads.event("invoice.paid", invoice),
            payloads.event("invoice_payment.paid", dict(invoice_payment)),
        ]

    def refund(self, payment_intent: str, amount: int) -> dict:
        """Someone refunds part of a payment in Stripe's dashboard."""
        with self.lock:
            status, refund = self._refund_create(
                {"payment_intent": payment_intent, "amount": str(amount)}
            )
        assert status == 200, refund
        return refund

    def refund_event(self, payment_intent: str) -> dict:
        """`charge.refunded` for a payment intent, with what has been refunded on it so far
        (a charge lists no refunds: only its `amount_refunded`)."""
        refunded = sum(
            r["amount"] for r in self.refunds.values() if r["payment_intent"] == payment_intent
        )
        return payloads.event(
            "charge.refunded",
            payloads.charge(
                payment_intent=payment_intent,
                amount=self.intents[payment_intent],
                amount_refunded=refunded,
                charge_id="ch_" + payment_intent.removeprefix("pi_"),
            ),
        )

    def send_webhook(self, event: dict) -> int:
        body = json.dumps(event).encode()
        request = urllib.request.Request(  # noqa: S310 - the site under test, on 127.0.0.1
            self.webhook_url,
            data=body,
            headers={
                "Content-Type": "application/json",
                "Stripe-Signature": payloads.sign(body, WEBHOOK_SECRET),
            },
            method="POST",
        )
        with urllib.request.urlopen(request, timeout=20) as response:  # noqa: S310 - local
            return response.status

    @staticmethod
    def public(session: dict) -> dict:
        return {key: value for key, value in session.items() if not key.startswith("_")}

    def calls(self, method: str, path_prefix: str) -> list[dict]:
        return [
            call
            for call in self.requests
            if call["method"] == method and call["path"].startswith(path_prefix)
        ]

    # --- the API ----------------------------------------------------------------------

    def api(self, method: str, path: str, headers, body: str, query: str = "") -> tuple[int, dict]:
        params = parse_form(body or query)
        with self.lock:
            self.requests.append(
                {
                    "method": method,
                    "path": path,
                    "params": params,
                    "idempotency_key": headers.get("Idempotency-Key"),
                    "version": headers.get("Stripe-Version"),
                }
            )
            if headers.get("Authorization") != f"Bearer {SECRET_KEY}":
                return 401, _error("invalid_request_error", "Invalid API Key provided")
            if headers.get("Stripe-Version") != payloads.API_VERSION:
                return 400, _error("invalid_request_error", "Unexpected API version")
            if self.fail_next:
                self.fail_next -= 1
                return 500, _error("api_error", "Something went wrong at the fake")
            key = headers.get("Idempotency-Key")
            if method == "POST" and key and key in self.idempotent:
                seen_params, status, response = self.idempotent[key]
                if seen_params != params:
                    return 400, _error("idempotency_error", "Keys for idempotent requests…")
                return status, response
            status, response = self._route(method, path, params)
            if method == "POST" and key:
                self.idempotent[key] = (params, status, response)
            return status, response

    def _route(self, method: str, path: str, params: dict) -> tuple[int, dict]:
        parts = path.strip("/").split("/")
        if method == "POST" and parts == ["v1", "checkout", "sessions"]:
            return 200, self._session_create(params)
        if method == "GET" and parts[:3] == ["v1", "checkout", "sessions"] and len(parts) == 4:
            session = self.sessions.get(parts[3])
            if session is None:
                return 404, _error("invalid_request_error", "No such checkout session")
            return 200, self.public(session)
        if method == "DELETE" and parts[:2] == ["v1", "subscriptions"] and len(parts) == 3:
            subscription = self.subscriptions.get(parts[2])
            if subscription is None or subscription["status"] == "canceled":
                return 404, _error("invalid_request_error", "No such subscription")
            subscription.update(status="canceled", canceled_at=int(time.time()))
            return 200, self.public(subscription)
        if method == "POST" and parts[:2] == ["v1", "subscriptions"] and len(parts) == 3:
            return self._subscription_modify(parts[2], params)
        if method == "POST" and parts == ["v1", "refunds"]:
            return self._refund_create(params)
        if method == "GET" and parts == ["v1", "invoice_payments"]:
            return self._invoice_payments_list(params)
        return 404, _error("invalid_request_error", f"Unrecognized request URL ({path})")

    def _session_create(self, params: dict) -> dict:
        line = params["line_items"][0]
        amount = int(line["price_data"]["unit_amount"]) * int(line.get("quantity", 1))
        session_id = self.new_id("cs")
        session = {
            "id": session_id,
            "object": "checkout.session",
            "mode": params["mode"],
            "status": "open",
            "payment_status": "unpaid",
            "amount_total": amount,
            "currency": line["price_data"]["currency"],
            "customer_email": params.get("customer_email"),
            "client_reference_id": params.get("client_reference_id"),
            "metadata": params.get("metadata", {}),
            "success_url": params["success_url"],
            "cancel_url": params["cancel_url"],
            "payment_intent": None,
            "subscription": None,
            "invoice": None,
            "customer": None,
            "url": f"{self.url}/pay/{session_id}",
            "created": int(time.time()),
            "_params": params,
        }
        self.sessions[session_id] = session
        return self.public(session)

    def _subscription_modify(self, subscription_id: str, params: dict) -> tuple[int, dict]:
        subscription = self.subscriptions.get(subscription_id)
        if subscription is None:
            return 404, _error("invalid_request_error", "No such subscription")
        if subscription["status"] == "canceled":
            return 400, _error("invalid_request_error", "A canceled subscription can't be updated")
        if "cancel_at" in params:
            cancel_at = int(params["cancel_at"]) if params["cancel_at"] else None
            if cancel_at is not None and cancel_at <= time.time():
                return 400, _error("invalid_request_error", "cancel_at must be in the future")
            subscription["cancel_at"] = cancel_at
        if "proration_behavior" in params:
            subscription["_proration_behavior"] = params["proration_behavior"]
        return 200, self.public(subscription)

    def _invoice_payments_list(self, params: dict) -> tuple[int, dict]:
        if not params.get("invoice"):
            return 400, _error("invalid_request_error", "Missing required param: invoice.")
        found = [
            dict(p)
            for p in reversed(self.invoice_payments.values())  # newest first, as Stripe lists
            if p["invoice"] == params["invoice"] and params.get("status") in {None, p["status"]}
        ]
        limit = int(params.get("limit") or 10)
        return 200, {
            "object": "list",
            "data": found[:limit],
            "has_more": len(found) > limit,
            "url": "/v1/invoice_payments",
        }

    def _refund_create(self, params: dict) -> tuple[int, dict]:
        intent = params.get("payment_intent", "")
        if intent not in self.intents:
            return 404, _error("invalid_request_error", "No such payment_intent")
        already = sum(r["amount"] for r in self.refunds.values() if r["payment_intent"] == intent)
        amount = int(params.get("amount") or self.intents[intent] - already)
        if amount <= 0 or already + amount > self.intents[intent]:
            return 400, _error("invalid_request_error", "Refund is greater than unrefunded")
        refund = {
            "id": self.new_id("re"),
            "object": "refund",
            "amount": amount,
            "currency": "gbp",
            "payment_intent": intent,
            "status": "succeeded",
            "created": int(time.time()),
        }
        self.refunds[refund["id"]] = refund
        return 200, refund


def _error(kind: str, message: str) -> dict:
    return {"error": {"type": kind, "message": message}}


def _handler_for(fake: FakeStripe):
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args):
            pass

        def _body(self) -> str:
            length = int(self.headers.get("Content-Length") or 0)
            return self.rfile.read(length).decode() if length else ""

        def _send(self, status: int, data: dict | str, content_type="application/json"):
            raw = (json.dumps(data) if isinstance(data, dict) else data).encode()
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(raw)))
            self.send_header("Request-Id", "req_fake")
            self.end_headers()
            self.wfile.write(raw)

        def _dispatch(self, method: str):
            url = urlsplit(self.path)
            if url.path.startswith("/pay/"):
                return self._hosted(method, url.path.split("/")[2])
            self._send(*fake.api(method, url.path, self.headers, self._body(), url.query))

        def do_GET(self):
            self._dispatch("GET")

        def do_POST(self):
            self._dispatch("POST")

        def do_DELETE(self):
            self._dispatch("DELETE")

        def _hosted(self, method: str, session_id: str):
            session = fake.sessions.get(session_id)
            if session is None:
                return self._send(404, "No such session", "text/plain")
            if method == "GET":
                amount = session["amount_total"]
                page = (
                    "<!doctype html><html lang='en'><head><meta charset='utf-8'>"
                    "<meta name='viewport' content='width=device-width'>"
                    "<title>Fake Stripe Checkout</title></head><body><main>"
                    f"<h1>Fake Stripe Checkout</h1><p>Pay £{amount // 100}.{amount % 100:02d}"
                    f"{' a month' if session['mode'] == 'subscription' else ''} "
                    f"as {html.escape(session['customer_email'] or '')}</p>"
                    "<form method='post'><button type='submit'>Pay</button></form>"
                    f"<p><a href='{html.escape(session['cancel_url'])}'>Back</a></p>"
                    "</main></body></html>"
                )
                return self._send(200, page, "text/html; charset=utf-8")
            fake.complete(session_id)
            for event in fake.events_for_payment(session_id):
                fake.send_webhook(event)
            self.send_response(303)
            self.send_header("Location", session["success_url"])
            self.send_header("Content-Length", "0")
            self.end_headers()

    return Handler
