"""kistrade.kis.client: the code that talks to KIS (paper, live) and to the bundled simulator.

- ``facade.KisClient`` / ``KisClientConfig``: one key pair on one environment, wired once.
- ``auth.KISAuthManager``: token (shared 0600 file cache + FileLock), approval key, revoke.
- ``ratelimit.RateLimiter``: per key and environment, sliding window, priorities, backoff.
- ``rest.KisRestClient``: headers, retry policy by error class, pagination, latency per TR.
- ``quotes`` / ``account`` / ``orders``: typed TRs; ``mapping``: KIS JSON -> typed results.
- ``websocket.KisWebSocket``: subscriptions, PINGPONG, decryption, reconnect + ``StreamGap``.
- ``adapters.KisBroker`` / ``KisMarketFeed``; ``commands``: what the CLI calls.
"""
