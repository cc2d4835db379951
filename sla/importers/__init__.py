"""Import services of the SLA app: parsed ticket and outage records into tickets and outages."""
