"""CloudFormation `Fn::Cidr`: stock moto does not know it.

Gap: moto's template parser (moto.cloudformation.parsing.clean_json) has no branch for
`Fn::Cidr`, so `!Select [0, !Cidr [...]]` indexes the raw dict and the stack fails with
an HTTP 500 (KeyError: 0).

AWS (CloudFormation User Guide, "Fn::Cidr"): `Fn::Cidr: [ipBlock, count, cidrBits]`
returns `count` CIDR blocks carved in order from `ipBlock`, each with `cidrBits` host
bits (so prefix length = 32 - cidrBits for IPv4, 128 - cidrBits for IPv6); count is
1..256. We implement exactly that with the standard library's ipaddress.
"""

from __future__ import annotations

import ipaddress
import itertools

from moto.cloudformation import parsing
from moto.cloudformation.exceptions import ValidationError

_MARK = "_project_fn_cidr"


def cidr(ip_block: str, count: int, cidr_bits: int) -> list[str]:
    network = ipaddress.ip_network(ip_block, strict=False)
    count, cidr_bits = int(count), int(cidr_bits)
    if not 1 <= count <= 256:
        raise ValidationError(message=f"Template error: Fn::Cidr count must be 1-256, got {count}")
    new_prefix = network.max_prefixlen - cidr_bits
    if new_prefix < network.prefixlen:
        raise ValidationError(message=f"Template error: Fn::Cidr cannot carve /{new_prefix} from {ip_block}")
    subnets = list(itertools.islice(network.subnets(new_prefix=new_prefix), count))
    if len(subnets) < count:
        raise ValidationError(message=f"Template error: {ip_block} holds fewer than {count} /{new_prefix}")
    return [str(s) for s in subnets]


def apply() -> None:
    original = parsing.clean_json
    if getattr(original, _MARK, False):
        return

    def clean_json(resource_json, resources_map):
        if isinstance(resource_json, dict) and "Fn::Cidr" in resource_json:
            args = [original(arg, resources_map) for arg in resource_json["Fn::Cidr"]]
            return cidr(*args)
        return original(resource_json, resources_map)

    setattr(clean_json, _MARK, True)
    parsing.clean_json = clean_json
