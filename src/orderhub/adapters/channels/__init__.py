"""Channel adapters: each turns one sales channel's own order payload into a ChannelOrder,
and back.

One package per channel, the format described once: `<channel>/parse.py` (the adapter:
verify the signature, parse the payload, and the field names and codes of the format) and
`<channel>/render.py` (a ChannelOrder as that payload, and the signature headers; the
inverse, for test corpora and benchmarks), which imports its names from `parse.py`.

    base.py         the contract: ChannelOrder, ChannelLine, ChannelAdapter, the errors
    _payload.py     reading helpers shared by the parsers (JSON, money, time, signatures)
    _rendering.py   writing helpers shared by the renderers (amounts, times, derived ids)
    shopify/ woocommerce/ tiktok/ douyin/ taobao/ jd/ pinduoduo/   one webhook channel each
    _marketplace.py JD and Pinduoduo: md5 request signature, order discounts, receivers
    decryption.py   the port that opens encrypted receivers, and its local simulator
    tabular/        CSV and XLSX files (many orders per file; not a webhook adapter)
    registry.py     the channels by name: ADAPTERS / get_adapter, render() / sign()
"""
