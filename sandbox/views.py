"""The simulators' start page: what is served where, with the robots' message pages."""

from django.http import HttpResponse
from django.template.loader import render_to_string

from .http import mask, robot_ref
from .state import get_world


def index(request):
    """HTML overview of the simulated world."""
    world = get_world()
    with world.lock:
        context = {
            "partners": [{"partner_id": p.partner_id, "name": p.name} for p in world.partners.values()],
            "shops": [
                {"shop_id": s.shop_id, "region": s.region, "name": s.name, "orders": len(s.orders)}
                for s in world.shops.values()
            ],
            "sellers": [
                {"client_id": s.client_id, "name": s.name, "postings": len(s.postings)} for s in world.sellers.values()
            ],
            "robots": [{"ref": robot_ref(r.key), "masked": mask(r.key), "name": r.name} for r in world.robots.values()],
            "offset": world.offset,
        }
    return HttpResponse(render_to_string("sandbox/index.html", context))
