"""Channel adapters: each turns one sales channel's own order payload into a ChannelOrder."""
