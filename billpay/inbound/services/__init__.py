from billpay.inbound.services.ingest import IncomingFile, IngestOutcome, inbound_ingest

__all__ = ["IncomingFile", "IngestOutcome", "inbound_ingest"]
