"""A small shop measured with otel-measure: requests, events, sessions, NPS and an A/B test.

    pip install -r examples/requirements-flask.txt
    python examples/flask_shop.py           # simulated shoppers for a few seconds, then a summary
    python examples/flask_shop.py --serve   # serve the shop on http://127.0.0.1:5000

The checkout button is an A/B test (blue vs green). Metrics are served on the Prometheus
endpoint printed at start. Without Flask installed, the same shop logic runs behind a
ten-line WSGI app, so the script still works (and says so).
"""

import os
import random
import sys
import time
from wsgiref.util import setup_testing_defaults

import otel_measure

m = otel_measure.setup(service_name="flask-shop")
analytics = m.analytics
analytics.create_ab_test("checkout_button", ("blue", "green"), goal_event="purchase")
PRICES = {"mug": 12.0, "shirt": 25.0, "poster": 8.0}
ROUTES = ("/items/<item>", "/cart", "/checkout", "/purchase", "/survey")


# --- the shop: plain functions, whatever the web framework ------------------------------
def view_item(user, session, item):
    analytics.track_event("view_item", user, {"item": item}, session_id=session)
    return {"item": item, "price": PRICES.get(item)}


def add_to_cart(user, session, item):
    analytics.track_event("add_to_cart", user, {"item": item}, session_id=session)
    return {"cart": [item]}


def checkout(user, session):
    analytics.track_event("checkout", user, session_id=session)
    return {"button": analytics.assign_variant("checkout_button", user)}  # sticky per user


def purchase(user, session, item):
    analytics.track_event("purchase", user, session_id=session, revenue=PRICES[item])
    return {"paid": PRICES[item]}


def survey(user, score):
    analytics.record_nps_response(user, score)
    return {"thanks": True}


def route_for(environ):
    """Route templates, never raw paths (they hold ids)."""
    path = environ.get("PATH_INFO", "")
    return "/items/<item>" if path.startswith("/items/") else path if path in ROUTES else None


def handle(path, user, session, arg):
    """Dispatch one request to the shop; returns (status, body)."""
    if path.startswith("/items/"):
        return 200, view_item(user, session, path.rsplit("/", 1)[1])
    actions = {"/cart": lambda: add_to_cart(user, session, arg),
               "/checkout": lambda: checkout(user, session),
               "/purchase": lambda: purchase(user, session, arg),
               "/survey": lambda: survey(user, int(arg))}
    return (200, actions[path]()) if path in actions else (404, {"error": "not found"})


def make_app():
    """The shop as a Flask app, or as a bare WSGI app when Flask is missing."""
    try:
        from flask import Flask, jsonify, request
    except ImportError:
        def app(environ, start_response):
            q = dict(p.split("=", 1) for p in environ.get("QUERY_STRING", "").split("&") if p)
            status, body = handle(environ["PATH_INFO"], environ.get("HTTP_X_USER"),
                                  environ.get("HTTP_X_SESSION"), q.get("arg"))
            start_response(f"{status} {'OK' if status == 200 else 'Not Found'}",
                           [("Content-Type", "text/plain")])
            return [repr(body).encode()]
        return app, False
    flask_app = Flask(__name__)

    @flask_app.route("/<path:path>", methods=["GET", "POST"])
    def any_route(path):
        status, body = handle("/" + path, request.headers.get("X-User"),
                              request.headers.get("X-Session"), request.args.get("arg"))
        return jsonify(body), status

    flask_app.wsgi_app = m.infrastructure.wsgi_middleware(flask_app.wsgi_app, route_for)
    return flask_app, True


def request_via(app, is_flask):
    """Return a function sending one request to the app (Flask test client or raw WSGI)."""
    if is_flask:
        client = app.test_client()
        return lambda path, headers, arg: client.get(path, headers=headers,
                                                     query_string={"arg": arg})
    wsgi = m.infrastructure.wsgi_middleware(app, route_for)

    def send(path, headers, arg):
        environ = {"PATH_INFO": path, "QUERY_STRING": f"arg={arg}" if arg else ""}
        environ.update({"HTTP_" + k.upper().replace("-", "_"): v for k, v in headers.items()})
        setup_testing_defaults(environ)
        body = wsgi(environ, lambda status, headers: None)
        b"".join(body)
        body.close()  # the middleware records the request when the body is closed
    return send


def shopper(send, rng):
    """One visit: browse, maybe buy (green converts better), maybe answer the survey."""
    user = f"customer-{rng.randrange(400)}"
    session = analytics.start_session(user, {"device": rng.choice(("mobile", "desktop"))})
    headers = {"X-User": user, "X-Session": session}
    item = rng.choice(list(PRICES))
    send(f"/items/{item}", headers, None)
    if rng.random() < 0.6:
        send("/cart", headers, item)
        button = analytics.assign_variant("checkout_button", user)
        send("/checkout", headers, None)
        if rng.random() < (0.45 if button == "green" else 0.30):
            send("/purchase", headers, item)
    analytics.end_session(session)
    if rng.random() < 0.2:
        send("/survey", headers, str(min(10, max(0, round(rng.gauss(8, 2))))))


def main():
    app, is_flask = make_app()
    print("metrics at", m.prometheus_url)
    if "--serve" in sys.argv:
        if not is_flask:
            sys.exit("--serve needs Flask: pip install -r examples/requirements-flask.txt")
        app.run(port=5000)
        return
    if not is_flask:
        print("note: Flask is not installed; driving the same shop through a bare WSGI app")
    send, rng = request_via(app, is_flask), random.Random(42)
    end = time.monotonic() + float(os.environ.get("OTEL_MEASURE_EXAMPLE_SECONDS", "10"))
    while time.monotonic() < end:
        shopper(send, rng)
        time.sleep(0.002)
    nps = analytics.get_nps_metrics()
    test = analytics.get_ab_test_results("checkout_button")
    print(f"NPS {nps.nps:+.1f} (95% CI {nps.ci_low:+.1f} to {nps.ci_high:+.1f}, n={nps.n})")
    for variant, stats in test.variants.items():
        print(f"  {variant}: {stats.total:.0f} of {stats.n} converted")
    print("A/B checkout_button:", test.verdict)
    print("requests:", m.infrastructure.get_request_latency_metrics().total_requests)
    m.shutdown()


if __name__ == "__main__":
    main()
