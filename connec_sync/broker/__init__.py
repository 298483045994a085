"""The broker seam: kombu in amqp.py (topology, consuming, single confirmed publishes, memory://),
pika in confirms.py (windowed publisher confirms for the receiver and partner publishers)."""
