"""The only place that assembles the API routers (mounted under /api/v1 by ``create_app``)."""

from __future__ import annotations

from fastapi import APIRouter

from app.api.routes import auth, boots, exports, health, projects, results, review, verdict

api_router = APIRouter()
api_router.include_router(boots.router)
api_router.include_router(results.router)
api_router.include_router(projects.router)
api_router.include_router(auth.router)
api_router.include_router(health.router)
api_router.include_router(review.router)
api_router.include_router(exports.router)
api_router.include_router(verdict.router)
