"""Quelle's HTTP API: a FastAPI app of thin routes over rag.service.Quelle."""
