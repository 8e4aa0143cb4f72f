"""The fulfilment network live: routing's view of it, incidents and recoveries, carriers,
waves and waybills."""
