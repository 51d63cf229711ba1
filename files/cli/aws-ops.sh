#!/usr/bin/env bash
# aws-ops.sh: four everyday AWS operations with the AWS CLI, each idempotent (a rerun
# after success changes nothing and exits 0), each with --dry-run. `aws-ops.sh --help`
# documents them; docs/cli.md explains the choices.
set -euo pipefail

PROG=${0##*/}
SCRIPT_DIR=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd)
readonly PROG SCRIPT_DIR

# Exit codes (also in --help).
readonly E_AWS=1 E_USAGE=2 E_NOTFOUND=3 E_CONFLICT=4 E_DETECT=5 E_DEPEND=6

# Defaults: the names the exercise gives.
readonly DEFAULT_LOCATION="Important Data/logs"
readonly DEFAULT_TAG_KEY=DisplayName
readonly DEFAULT_GROUP_NAME=sg_3452925
readonly DEFAULT_PORTS=22
readonly DEFAULT_PROTOCOL=tcp
readonly DEFAULT_RULE_DESCRIPTION="aws-ops allow-ip"
readonly DEFAULT_CHECKIP_URL=https://checkip.amazonaws.com
readonly DEFAULT_CHECKIP_TIMEOUT=5
readonly MIN_PREFIX_LEN=16      # widest CIDR accepted as "the caller's IP" (a NAT range at most)
readonly DEFAULT_ROLE=developer_level2
readonly DEFAULT_POLICY_NAME=developer_level2_logs_read
readonly DEFAULT_POLICY_FILE="$SCRIPT_DIR/policies/developer_level2.json"
readonly MAX_POLICY_VERSIONS=5  # IAM's limit per managed policy

DRY_RUN=0
CHANGED=0
COMMAND=""
AWS_ARGS=(--output json)
AWS_OUT="" AWS_ERR="" AWS_CODE=""

# ---------------------------------------------------------------------------- help

help_main() {
  cat <<EOF
Usage: $PROG [GLOBAL OPTIONS] COMMAND [OPTIONS]

Commands (each one: $PROG COMMAND --help):
  list-logs      list the objects under logs/ of the bucket shown as "Important Data"
  rename-user    rename an IAM user (OLD NEW); rerunning after success is not an error
  allow-ip       allow the caller's IP into security group $DEFAULT_GROUP_NAME (by name, in a VPC)
  revoke-ip      remove that rule again (the inverse of allow-ip, used by teardown)
  attach-policy  create/update a managed policy and attach it to role $DEFAULT_ROLE

Global options (anywhere on the line):
  --region REGION       AWS region (default: AWS_REGION / AWS_DEFAULT_REGION / the profile's)
  --profile PROFILE     named profile of ~/.aws/config (default: AWS_PROFILE or the default chain)
  --endpoint-url URL    API endpoint (default: \$AWS_ENDPOINT_URL, else AWS's own endpoints);
                        for emulators and private endpoints
  --dry-run             read everything, change nothing, say what would change
  -h, --help            this help; COMMAND --help for one command

Output: the report on stdout, ending with one machine-readable line, changed=true or
changed=false (with --dry-run: whether a real run would change something). Errors,
warnings and notes go to stderr, each naming what to fix.

Exit codes:
  0  success: done, or already so (a rerun is not an error)
  1  an AWS call failed (AWS's message is shown: credentials, permissions, throttling)
  2  usage: a missing or invalid argument (bad IP, port, name...)
  3  not found: the bucket, user, VPC, security group or role does not exist
  4  conflict: an ambiguous display name, or both the old and new user names exist
  5  the caller's IP could not be detected (pass --ip); nothing was changed
  6  a needed program is missing (aws, jq; curl only to detect the IP)

Needs: the AWS CLI (v1 or v2) and jq; curl to detect the caller's IP.
EOF
}

help_list_logs() {
  cat <<EOF
Usage: $PROG list-logs [LOCATION] [--bucket NAME] [--prefix PREFIX] [--tag-key KEY]
                       [--page-size N] [--max-items N] [--starting-token TOKEN]

List the objects under a prefix (key, size in bytes, last-modified date), page by page.

LOCATION defaults to "$DEFAULT_LOCATION". A bucket name cannot contain a space (names are
3-63 characters of lowercase letters, digits, '.' and '-'), so "Important Data/logs" can
not be a bucket, nor a path in one. It is read as DISPLAY-NAME/PREFIX: the bucket whose
tag $DEFAULT_TAG_KEY (--tag-key) equals "Important Data", and the key prefix "logs/" in it
(S3 has no folders; "logs/" is the start of the keys). If LOCATION's first part is a valid
bucket name (or s3://bucket/prefix), it is used as the bucket itself.
No bucket with that tag: exit 3; more than one: exit 4 (name the one you mean).

  --bucket NAME          the real bucket name (skips the tag lookup)
  --prefix PREFIX        key prefix (default: LOCATION's part after the first '/')
  --tag-key KEY          tag that holds the display name (default: $DEFAULT_TAG_KEY)
  --page-size N          keys per ListObjectsV2 call, 1-1000 (default 1000)
  --max-items N          stop after N objects and print the token to continue (default: all)
  --starting-token TOKEN continue a listing stopped by --max-items

Read-only: --dry-run changes nothing here either; the last line is always changed=false.
EOF
}

help_rename_user() {
  cat <<EOF
Usage: $PROG rename-user OLD_NAME NEW_NAME

Rename IAM user OLD_NAME to NEW_NAME (UpdateUser). Idempotent:
  OLD exists, NEW does not   -> renamed (changed=true)
  OLD gone, NEW exists       -> already renamed (changed=false, exit 0)
  both exist                 -> exit 4: two different users; nothing is changed
  neither exists             -> exit 3
IAM names are case-insensitive: renaming "Alice" to "alice" is a case-only rename.

What a rename carries over: the unique user ID (AIDA...), the path, group memberships,
attached and inline policies, access keys, MFA devices, SSH keys, signing certificates,
the console password and the tags. Principals in role trust policies and resource
policies (bucket, queue, key policies) are stored by unique ID, so they keep working.
What it does not: the ARN changes (arn:...:user/PATH/NEW_NAME), and IAM does NOT rewrite
policies that name the old ARN as a Resource (e.g. "manage your own keys" policies) or
conditions on aws:username; nor anything outside IAM that stores the name (scripts, CI
variables, SSO/IdP mappings, the console sign-in name, CloudTrail history stays under
the old name). Review those after a rename.
EOF
}

help_allow_ip() {
  cat <<EOF
Usage: $PROG allow-ip [--group-name NAME | --group-id ID] [--vpc-id VPC_ID] [--ip ADDR[/LEN]]
                      [--port PORTS] [--protocol tcp|udp] [--description TEXT]
                      [--checkip-url URL] [--timeout SECONDS]

Add an inbound rule for the caller's IP to a security group. A rule that already exists
(same protocol, ports and CIDR, whatever its description) is success, not failure.

  --group-name NAME     security group NAME (default: $DEFAULT_GROUP_NAME). Names are unique only
                        within a VPC: the name is resolved to its ID in --vpc-id, else in
                        the region's default VPC (a region without one needs --vpc-id)
  --group-id ID         the group's ID (sg-...), skipping the name lookup
  --vpc-id VPC_ID       the VPC that holds the group (default: the default VPC)
  --ip ADDR[/LEN]       the caller's IPv4 address (or a NAT range no wider than /$MIN_PREFIX_LEN).
                        Default: detected from --checkip-url. A failed detection is an
                        error (exit 5): never a fallback to 0.0.0.0/0
  --port PORTS          port, list or range: 22 | 22,443 | 8000-8100 (default: $DEFAULT_PORTS)
  --protocol P          tcp or udp (default: $DEFAULT_PROTOCOL)
  --description TEXT    rule description (default: "$DEFAULT_RULE_DESCRIPTION")
  --checkip-url URL     where to ask for the caller's IP (default: \$AWS_OPS_CHECKIP_URL,
                        else $DEFAULT_CHECKIP_URL)
  --timeout SECONDS     detection timeout, 1-60 (default: $DEFAULT_CHECKIP_TIMEOUT)

Behind NAT or a proxy the detected address is the egress address that AWS sees, which
is what a security group matches; a VPN may change it.
EOF
}

help_revoke_ip() {
  cat <<EOF
Usage: $PROG revoke-ip [same options as allow-ip]

Remove the inbound rule that allow-ip adds (same group, protocol, ports and CIDR).
A rule that is already absent is success (changed=false).
EOF
}

help_attach_policy() {
  cat <<EOF
Usage: $PROG attach-policy [--policy-file FILE] [--policy-name NAME] [--path PATH]
                           [--description TEXT] [--role ROLE]

Ensure the customer managed policy NAME has FILE as its default version, and that it is
attached to ROLE. Idempotent:
  policy missing            -> created from FILE
  same document (any key order or spacing) -> nothing to do
  an older version has it   -> that version becomes the default again
  document changed          -> a new default version; when the policy already has
                               $MAX_POLICY_VERSIONS versions (IAM's limit), the oldest non-default one is deleted first
  not attached to ROLE      -> attached
The role must exist (exit 3 otherwise, before anything is created).

  --policy-file FILE    JSON policy document, or - for stdin
                        (default: policies/developer_level2.json beside this script)
  --policy-name NAME    (default: $DEFAULT_POLICY_NAME)
  --path PATH           IAM path of a new policy, /.../ (default: /)
  --description TEXT    description of a new policy (IAM cannot change it later)
  --role ROLE           (default: $DEFAULT_ROLE)
EOF
}

# ---------------------------------------------------------------------- plumbing

say() { printf '%s\n' "$*"; }
note() { printf '%s: note: %s\n' "$PROG" "$*" >&2; }
warn() { printf '%s: warning: %s\n' "$PROG" "$*" >&2; }
die() {
  local code=$1
  shift
  printf '%s: error: %s\n' "$PROG" "$*" >&2
  exit "$code"
}
usage_error() { die "$E_USAGE" "$* (see: $PROG ${COMMAND:+$COMMAND }--help)"; }

# did VERB PAST: "would VERB" in a dry run, "PAST" otherwise.
did() { if ((DRY_RUN)); then printf 'would %s' "$1"; else printf '%s' "$2"; fi; }
mark_changed() { CHANGED=1; }
finish() { if ((CHANGED)); then say "changed=true"; else say "changed=false"; fi; }

need_program() {
  command -v "$1" >/dev/null 2>&1 || die "$E_DEPEND" "'$1' is not installed or not on PATH: $2"
}

# need_value OPTION ARGC: an option that takes a value must have one.
need_value() { if (($2 < 2)); then usage_error "$1 needs a value"; fi; }

ERR_FILE=$(mktemp)
TMP_FILES=("$ERR_FILE")
trap 'rm -f "${TMP_FILES[@]}"' EXIT

# aws_try ARGS...: run the AWS CLI. Output in AWS_OUT; on failure AWS_ERR holds the
# message and AWS_CODE the error code (NoSuchEntity, InvalidGroup.NotFound, 404...).
aws_try() {
  local rc=0
  AWS_OUT="" AWS_ERR="" AWS_CODE=""
  AWS_OUT=$(aws "${AWS_ARGS[@]}" "$@" 2>"$ERR_FILE") || rc=$?
  if ((rc == 0)); then return 0; fi
  AWS_ERR=$(tr -s '\n' ' ' <"$ERR_FILE")
  if [[ $AWS_ERR =~ An\ error\ occurred\ \(([A-Za-z0-9.]+)\) ]]; then
    AWS_CODE=${BASH_REMATCH[1]}
  fi
  return "$rc"
}

# aws_do CONTEXT ARGS...: aws_try, and any failure is fatal (exit 1) with CONTEXT.
aws_do() {
  local context=$1
  shift
  aws_try "$@" || die "$E_AWS" "$context: ${AWS_ERR:-the AWS CLI failed}"
}

# jq on AWS_OUT.
out_jq() { jq "$@" <<<"$AWS_OUT"; }

# -------------------------------------------------------------------- validation

valid_bucket_name() {
  [[ $1 =~ ^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$ && $1 != *..* ]]
}

valid_iam_name() { [[ $1 =~ ^[A-Za-z0-9+=,.@_-]{1,64}$ ]]; }

valid_count() { [[ $1 =~ ^[1-9][0-9]{0,5}$ ]]; }

# ipv4_to_int ADDR: set IP_INT, or return 1 if ADDR is not a dotted quad
# (leading zeros are refused: 010 is octal to some tools and decimal to others).
ipv4_to_int() {
  local -a octets
  local octet
  IP_INT=0
  [[ $1 =~ ^[0-9]{1,3}(\.[0-9]{1,3}){3}$ ]] || return 1
  IFS=. read -r -a octets <<<"$1"
  for octet in "${octets[@]}"; do
    if [[ ! $octet =~ ^(0|[1-9][0-9]*)$ ]] || ((octet > 255)); then return 1; fi
    IP_INT=$((IP_INT * 256 + octet))
  done
}

int_to_ipv4() {
  printf '%d.%d.%d.%d' $(($1 >> 24 & 255)) $(($1 >> 16 & 255)) $(($1 >> 8 & 255)) $(($1 & 255))
}

# set_cidr INPUT: validate an address or CIDR and set CIDR to ADDR/LEN.
set_cidr() {
  local input=$1 addr len host_bits
  addr=${input%%/*}
  if [[ $input == */* ]]; then len=${input#*/}; else len=32; fi
  if ! ipv4_to_int "$addr" || [[ ! $len =~ ^(0|[1-9][0-9]?)$ ]] || ((len > 32)); then
    usage_error "'$input' is not an IPv4 address or CIDR (e.g. 203.0.113.10 or 203.0.113.0/28)"
  fi
  if ((len < MIN_PREFIX_LEN)); then
    usage_error "refusing $input: a rule for the caller's IP covers one address (or a NAT range" \
      "up to /$MIN_PREFIX_LEN), and /$len would open the port to $((1 << (32 - len))) addresses"
  fi
  host_bits=$((IP_INT & ((1 << (32 - len)) - 1)))
  if ((host_bits != 0)); then
    usage_error "'$input' has host bits set: the network is $(int_to_ipv4 $((IP_INT - host_bits)))/$len"
  fi
  CIDR="$addr/$len"
}

# set_ports SPEC: "22", "22,443", "8000-8100" -> FROM_PORTS / TO_PORTS arrays.
set_ports() {
  local spec=$1 item from to
  local -a items
  FROM_PORTS=() TO_PORTS=()
  IFS=, read -r -a items <<<"$spec"
  ((${#items[@]} > 0)) || usage_error "--port needs a port, a list or a range"
  for item in "${items[@]}"; do
    if [[ $item =~ ^([0-9]{1,5})(-([0-9]{1,5}))?$ ]]; then
      from=$((10#${BASH_REMATCH[1]}))
      to=$((10#${BASH_REMATCH[3]:-${BASH_REMATCH[1]}}))
    else
      usage_error "'$item' in --port '$spec' is not a port (1-65535) or a range (8000-8100)"
    fi
    if ((from < 1 || to > 65535 || from > to)); then
      usage_error "'$item' in --port '$spec' is out of range: ports are 1-65535, low-high"
    fi
    FROM_PORTS+=("$from")
    TO_PORTS+=("$to")
  done
}

# ---------------------------------------------------------------- 1. list-logs

cmd_list_logs() {
  local location="" bucket="" prefix="" prefix_set=0 tag_key=$DEFAULT_TAG_KEY
  local page_size=1000 max_items=0 token=""
  while (($#)); do
    case $1 in
      --bucket) need_value "$1" $#; bucket=$2; shift ;;
      --prefix) need_value "$1" $#; prefix=$2; prefix_set=1; shift ;;
      --tag-key) need_value "$1" $#; tag_key=$2; shift ;;
      --page-size) need_value "$1" $#; page_size=$2; shift ;;
      --max-items) need_value "$1" $#; max_items=$2; shift ;;
      --starting-token) need_value "$1" $#; token=$2; shift ;;
      -*) usage_error "unknown option '$1' for list-logs" ;;
      *)
        [[ -z $location ]] || usage_error "list-logs takes one LOCATION, got '$location' and '$1'"
        location=$1
        ;;
    esac
    shift
  done
  if ! valid_count "$page_size" || ((page_size > 1000)); then usage_error "--page-size must be 1-1000"; fi
  [[ $max_items == 0 ]] || valid_count "$max_items" || usage_error "--max-items must be a positive number"

  local name
  if [[ -n $bucket ]]; then
    name=$bucket
  else
    location=${location:-$DEFAULT_LOCATION}
    location=${location#s3://}
    name=${location%%/*}
    if ((!prefix_set)) && [[ $location == */* ]]; then prefix=${location#*/}; fi
  fi
  # "logs" means the keys under "logs/", not keys such as "logs-old/...".
  if [[ -n $prefix && $prefix != */ ]]; then prefix="$prefix/"; fi

  if valid_bucket_name "$name"; then
    bucket=$name
    if ! aws_try s3api head-bucket --bucket "$bucket"; then
      case $AWS_CODE in
        404 | NoSuchBucket) die "$E_NOTFOUND" "bucket '$bucket' does not exist" ;;
        403 | AccessDenied) die "$E_AWS" "access to bucket '$bucket' is denied (or it belongs to another account)" ;;
        *) die "$E_AWS" "reading bucket '$bucket': $AWS_ERR" ;;
      esac
    fi
  elif [[ -n ${bucket:-} ]]; then
    usage_error "--bucket '$bucket' is not a valid bucket name"
  else
    note "'$name' cannot be an S3 bucket name (3-63 characters: lowercase letters, digits," \
      "'.' and '-'; no spaces, no capitals), so '$location' is not a bucket path. Reading it as" \
      "the bucket tagged $tag_key='$name', prefix '${prefix:-(none)}'. Pass --bucket NAME to skip the lookup."
    resolve_bucket_by_tag "$tag_key" "$name"
  fi

  say "s3://$bucket/$prefix"
  printf '%-24s %14s  %s\n' "LAST MODIFIED" "SIZE (BYTES)" "KEY"
  local count=0 bytes=0 page_max rows modified size key
  while :; do
    page_max=$page_size
    if ((max_items > 0 && max_items - count < page_max)); then page_max=$((max_items - count)); fi
    local -a call=(s3api list-objects-v2 --bucket "$bucket" --prefix "$prefix" --max-keys "$page_max" --no-paginate)
    if [[ -n $token ]]; then call+=(--continuation-token "$token"); fi
    aws_do "listing s3://$bucket/$prefix" "${call[@]}"
    rows=$(out_jq -r '.Contents // [] | .[] | [.LastModified, .Size, .Key] | @tsv')
    if [[ -n $rows ]]; then
      while IFS=$'\t' read -r modified size key; do
        printf '%-24s %14s  %s\n' "$modified" "$size" "$key"
        count=$((count + 1))
        bytes=$((bytes + size))
      done <<<"$rows"
    fi
    token=$(out_jq -r '.NextContinuationToken // empty')
    [[ -n $token ]] || break
    if ((max_items > 0 && count >= max_items)); then
      say "$count objects, $bytes bytes shown; more remain: add --starting-token '$token'"
      finish
      return 0
    fi
  done
  say "$count objects, $bytes bytes under s3://$bucket/$prefix"
  finish
}

# resolve_bucket_by_tag KEY VALUE: set `bucket` to the one bucket whose tag KEY is VALUE.
resolve_bucket_by_tag() {
  local key=$1 value=$2 candidate
  local -a matches=()
  aws_do "listing buckets" s3api list-buckets
  local names
  names=$(out_jq -r '.Buckets[].Name')
  for candidate in $names; do # bucket names hold no whitespace
    if aws_try s3api get-bucket-tagging --bucket "$candidate"; then
      if jq -e --arg k "$key" --arg v "$value" 'any(.TagSet[]; .Key == $k and .Value == $v)' <<<"$AWS_OUT" >/dev/null; then
        matches+=("$candidate")
      fi
    elif [[ $AWS_CODE != NoSuchTagSet ]]; then
      warn "skipping bucket '$candidate' (cannot read its tags: ${AWS_CODE:-$AWS_ERR})"
    fi
  done
  case ${#matches[@]} in
    1) bucket=${matches[0]} ;;
    0) die "$E_NOTFOUND" "no bucket is tagged $key='$value'. Tag the bucket, or pass its real name with --bucket NAME" ;;
    *) die "$E_CONFLICT" "${#matches[@]} buckets are tagged $key='$value' (${matches[*]}): pass the one you mean with --bucket NAME" ;;
  esac
}

# -------------------------------------------------------------- 2. rename-user

# get_user NAME: 0 and USER_JSON if it exists, 1 if not; anything else is fatal.
get_user() {
  if aws_try iam get-user --user-name "$1"; then
    USER_JSON=$(out_jq -c .User)
    return 0
  fi
  [[ $AWS_CODE == NoSuchEntity ]] || die "$E_AWS" "reading IAM user '$1': $AWS_ERR"
  USER_JSON=""
  return 1
}

cmd_rename_user() {
  local -a args=()
  while (($#)); do
    case $1 in
      -*) usage_error "unknown option '$1' for rename-user" ;;
      *) args+=("$1") ;;
    esac
    shift
  done
  ((${#args[@]} == 2)) || usage_error "rename-user needs OLD_NAME and NEW_NAME"
  local old=${args[0]} new=${args[1]} old_json="" new_json="" old_id="" new_id=""
  valid_iam_name "$old" || usage_error "'$old' is not a valid IAM user name (1-64 of A-Z a-z 0-9 +=,.@_-)"
  valid_iam_name "$new" || usage_error "'$new' is not a valid IAM user name (1-64 of A-Z a-z 0-9 +=,.@_-)"
  [[ $old != "$new" ]] || usage_error "OLD_NAME and NEW_NAME are the same ('$old')"

  if get_user "$old"; then old_json=$USER_JSON old_id=$(jq -r .UserId <<<"$USER_JSON"); fi
  if get_user "$new"; then new_json=$USER_JSON new_id=$(jq -r .UserId <<<"$USER_JSON"); fi

  if [[ -n $old_id && -n $new_id && $old_id == "$new_id" ]]; then
    # IAM names are case-insensitive: both lookups found the same user.
    if [[ $(jq -r .UserName <<<"$old_json") == "$new" ]]; then new_json=$old_json old_json=""; else new_json=""; fi
  fi

  if [[ -n $old_json && -n $new_json ]]; then
    die "$E_CONFLICT" "both users exist: '$old' ($old_id) and '$new' ($new_id) are two different users." \
      "Nothing was changed. Delete or rename '$new' first if '$old' should take its name."
  fi
  if [[ -z $old_json && -n $new_json ]]; then
    say "IAM user '$new' exists and '$old' does not: already renamed"
    say "arn: $(jq -r .Arn <<<"$new_json")"
    finish
    return 0
  fi
  [[ -n $old_json ]] || die "$E_NOTFOUND" "IAM user '$old' does not exist (and neither does '$new'): check the name"

  local old_arn
  old_arn=$(jq -r .Arn <<<"$old_json")
  describe_user_estate "$old"
  if ((!DRY_RUN)); then
    aws_do "renaming IAM user '$old' to '$new'" iam update-user --user-name "$old" --new-user-name "$new"
  fi
  mark_changed
  say "$(did rename renamed) IAM user '$old' -> '$new' (user id $old_id unchanged, path $(jq -r .Path <<<"$old_json") kept)"
  say "arn: $old_arn -> ${old_arn%/*}/$new"
  note "policies that name $old_arn as a Resource, conditions that spell out the old name (aws:username), and anything" \
    "outside IAM that stores the name (scripts, CI variables, SSO mappings) are not updated by IAM: review them"
  finish
}

# describe_user_estate NAME: what the rename carries over, for the record.
describe_user_estate() {
  local user=$1 groups attached inline keys
  aws_do "listing groups of '$user'" iam list-groups-for-user --user-name "$user"
  groups=$(out_jq -r '[.Groups[].GroupName] | join(", ")')
  aws_do "listing policies of '$user'" iam list-attached-user-policies --user-name "$user"
  attached=$(out_jq -r '[.AttachedPolicies[].PolicyName] | join(", ")')
  aws_do "listing inline policies of '$user'" iam list-user-policies --user-name "$user"
  inline=$(out_jq -r '.PolicyNames | join(", ")')
  aws_do "listing access keys of '$user'" iam list-access-keys --user-name "$user"
  keys=$(out_jq -r '[.AccessKeyMetadata[].AccessKeyId] | join(", ")')
  say "carries over: groups [${groups}], attached policies [${attached}], inline policies [${inline}], access keys [${keys}]"
}

# ---------------------------------------------------------- 3. allow-ip / revoke-ip

# Parse allow-ip/revoke-ip options into the sg_* variables.
parse_sg_options() {
  sg_group_name="" sg_group_id="" sg_vpc_id="" sg_ip="" sg_ports=$DEFAULT_PORTS sg_protocol=$DEFAULT_PROTOCOL
  sg_description=$DEFAULT_RULE_DESCRIPTION
  sg_checkip_url=${AWS_OPS_CHECKIP_URL:-$DEFAULT_CHECKIP_URL}
  sg_timeout=$DEFAULT_CHECKIP_TIMEOUT
  while (($#)); do
    case $1 in
      --group-name) need_value "$1" $#; sg_group_name=$2; shift ;;
      --group-id) need_value "$1" $#; sg_group_id=$2; shift ;;
      --vpc-id) need_value "$1" $#; sg_vpc_id=$2; shift ;;
      --ip) need_value "$1" $#; sg_ip=$2; shift ;;
      --port | --ports) need_value "$1" $#; sg_ports=$2; shift ;;
      --protocol) need_value "$1" $#; sg_protocol=${2,,}; shift ;;
      --description) need_value "$1" $#; sg_description=$2; shift ;;
      --checkip-url) need_value "$1" $#; sg_checkip_url=$2; shift ;;
      --timeout) need_value "$1" $#; sg_timeout=$2; shift ;;
      *) usage_error "unknown argument '$1' for $COMMAND" ;;
    esac
    shift
  done
  if [[ -n $sg_group_name && -n $sg_group_id ]]; then
    usage_error "give --group-name or --group-id, not both"
  fi
  [[ -n $sg_group_id ]] || sg_group_name=${sg_group_name:-$DEFAULT_GROUP_NAME}
  if [[ -n $sg_group_id && ! $sg_group_id =~ ^sg-[0-9a-f]{8,17}$ ]]; then
    usage_error "--group-id '$sg_group_id' is not a security group ID (sg-...)"
  fi
  if [[ -n $sg_vpc_id && ! $sg_vpc_id =~ ^vpc-[0-9a-f]{8,17}$ ]]; then
    usage_error "--vpc-id '$sg_vpc_id' is not a VPC ID (vpc-...)"
  fi
  case $sg_protocol in
    tcp | udp) ;;
    *) usage_error "--protocol must be tcp or udp, not '$sg_protocol'" ;;
  esac
  set_ports "$sg_ports"
  local allowed='^[]A-Za-z0-9 ._:/()#,@[+=&;{}!$*-]{0,255}$' # EC2's rule-description alphabet
  if [[ ! $sg_description =~ $allowed ]]; then
    usage_error "--description may hold up to 255 of: letters, digits, spaces and ._-:/()#,@[]+=&;{}!\$*"
  fi
  if [[ ! $sg_timeout =~ ^[1-9][0-9]?$ ]] || ((sg_timeout > 60)); then
    usage_error "--timeout must be 1-60 seconds"
  fi
  if [[ -n $sg_ip ]]; then set_cidr "$sg_ip"; else detect_caller_ip; fi
}

# detect_caller_ip: CIDR=<address>/32 from the check-IP service, or exit 5.
detect_caller_ip() {
  need_program curl "it detects the caller's IP; or pass --ip ADDRESS"
  local answer rc=0
  answer=$(curl --silent --show-error --fail --max-time "$sg_timeout" --proto '=https,http' \
    "$sg_checkip_url" 2>&1) || rc=$?
  if ((rc != 0)); then
    die "$E_DETECT" "could not detect the caller's IP from $sg_checkip_url within ${sg_timeout}s" \
      "(curl: ${answer:-exit $rc}). Pass it with --ip ADDRESS. Nothing was changed (there is no fallback to 0.0.0.0/0)."
  fi
  answer=${answer//[$'\r\n\t ']/}
  if ! ipv4_to_int "$answer"; then
    die "$E_DETECT" "$sg_checkip_url answered '${answer:0:60}', not an IPv4 address: pass --ip ADDRESS"
  fi
  note "detected the caller's IP: $answer (the address AWS sees; behind NAT, the NAT's)"
  CIDR="$answer/32"
}

# resolve_group: set GROUP_ID and GROUP_VPC from --group-id, or from the name in a VPC.
resolve_group() {
  if [[ -n $sg_group_id ]]; then
    if ! aws_try ec2 describe-security-groups --group-ids "$sg_group_id"; then
      [[ $AWS_CODE == InvalidGroup.NotFound ]] && die "$E_NOTFOUND" "security group $sg_group_id does not exist in this region"
      die "$E_AWS" "reading security group $sg_group_id: $AWS_ERR"
    fi
    GROUP_ID=$sg_group_id
    GROUP_VPC=$(out_jq -r '.SecurityGroups[0].VpcId // "-"')
    return 0
  fi
  if [[ -z $sg_vpc_id ]]; then
    aws_do "finding the default VPC" ec2 describe-vpcs --filters "Name=isDefault,Values=true"
    sg_vpc_id=$(out_jq -r '.Vpcs[0].VpcId // empty')
    [[ -n $sg_vpc_id ]] || die "$E_NOTFOUND" "this region has no default VPC. Security group names are unique" \
      "only within a VPC: pass --vpc-id VPC_ID (or --group-id sg-...)"
  elif ! aws_try ec2 describe-vpcs --vpc-ids "$sg_vpc_id"; then
    [[ $AWS_CODE == InvalidVpcID.NotFound ]] && die "$E_NOTFOUND" "VPC $sg_vpc_id does not exist in this region"
    die "$E_AWS" "reading VPC $sg_vpc_id: $AWS_ERR"
  fi
  local filters
  filters=$(jq -nc --arg n "$sg_group_name" --arg v "$sg_vpc_id" \
    '[{Name: "group-name", Values: [$n]}, {Name: "vpc-id", Values: [$v]}]')
  aws_do "finding security group '$sg_group_name'" ec2 describe-security-groups --filters "$filters"
  GROUP_ID=$(out_jq -r '.SecurityGroups[0].GroupId // empty')
  GROUP_VPC=$sg_vpc_id
  [[ -n $GROUP_ID ]] || die "$E_NOTFOUND" "no security group named '$sg_group_name' in VPC $sg_vpc_id:" \
    "check the name, or pass --vpc-id for a group in another VPC"
}

# rule_exists FROM TO: is the ingress rule (protocol, ports, CIDR) in GROUP_ID?
# (Reads the rules once per run; the description does not make a rule different.)
rule_exists() {
  if [[ -z ${RULES_JSON:-} ]]; then
    local filters
    filters=$(jq -nc --arg g "$GROUP_ID" '[{Name: "group-id", Values: [$g]}]')
    aws_do "reading the rules of $GROUP_ID" ec2 describe-security-group-rules --filters "$filters"
    RULES_JSON=$AWS_OUT
  fi
  jq -e --arg p "$sg_protocol" --argjson f "$1" --argjson t "$2" --arg c "$CIDR" \
    'any(.SecurityGroupRules[]; .IsEgress == false and .IpProtocol == $p and .FromPort == $f
         and .ToPort == $t and .CidrIpv4 == $c)' <<<"$RULES_JSON" >/dev/null
}

ports_label() { if (($1 == $2)); then printf '%s' "$1"; else printf '%s-%s' "$1" "$2"; fi; }

permission_json() {
  jq -nc --arg p "$sg_protocol" --argjson f "$1" --argjson t "$2" --arg c "$CIDR" --arg d "$sg_description" \
    '[{IpProtocol: $p, FromPort: $f, ToPort: $t, IpRanges: [{CidrIp: $c} + (if $d == "" then {} else {Description: $d} end)]}]'
}

# change_rule authorize|revoke FROM TO: one AWS call; EC2's own DryRun in --dry-run, so
# a dry run also proves the caller may make the change.
change_rule() {
  local verb=$1 from=$2 to=$3 what
  what="$sg_protocol/$(ports_label "$from" "$to") from $CIDR in $GROUP_ID"
  local -a call=(ec2 "$verb-security-group-ingress" --group-id "$GROUP_ID" --ip-permissions "$(permission_json "$from" "$to")")
  if ((DRY_RUN)); then
    aws_try "${call[@]}" --dry-run && return 0 # not expected: EC2 answers DryRunOperation
    [[ $AWS_CODE == DryRunOperation ]] || die "$E_AWS" "$verb $what (dry run): $AWS_ERR"
    return 0
  fi
  if ! aws_try "${call[@]}"; then
    case "$verb:$AWS_CODE" in
      authorize:InvalidPermission.Duplicate) say "rule $what: already present"; return 1 ;;
      revoke:InvalidPermission.NotFound) say "rule $what: already absent"; return 1 ;;
    esac
    die "$E_AWS" "$verb $what: $AWS_ERR"
  fi
}

# ensure_rules authorize|revoke: each port range present (authorize) or absent (revoke).
ensure_rules() {
  local verb=$1 i rule
  parse_sg_options "${@:2}"
  resolve_group
  say "security group ${sg_group_name:+$sg_group_name }$GROUP_ID in VPC $GROUP_VPC"
  for i in "${!FROM_PORTS[@]}"; do
    rule="ingress $sg_protocol/$(ports_label "${FROM_PORTS[i]}" "${TO_PORTS[i]}") from $CIDR"
    if [[ $verb == authorize ]] && rule_exists "${FROM_PORTS[i]}" "${TO_PORTS[i]}"; then
      say "$rule: already allowed"
    elif [[ $verb == revoke ]] && ! rule_exists "${FROM_PORTS[i]}" "${TO_PORTS[i]}"; then
      say "$rule: already absent"
    elif change_rule "$verb" "${FROM_PORTS[i]}" "${TO_PORTS[i]}"; then
      mark_changed
      say "$(did "$verb" "${verb%e}ed") $rule"
    fi
  done
  finish
}

cmd_allow_ip() { ensure_rules authorize "$@"; }
cmd_revoke_ip() { ensure_rules revoke "$@"; }

# ---------------------------------------------------------- 4. attach-policy

# canonical JSON: key order and spacing do not make two documents different.
canonical() { jq -S -c 'if type == "string" then fromjson else . end'; }

# version_document VERSION_ID: VERSION_DOC = the canonical document of that version of POLICY_ARN.
version_document() {
  aws_do "reading version $1 of $POLICY_ARN" iam get-policy-version --policy-arn "$POLICY_ARN" --version-id "$1"
  VERSION_DOC=$(out_jq -c .PolicyVersion.Document | canonical)
}

cmd_attach_policy() {
  local file=$DEFAULT_POLICY_FILE name=$DEFAULT_POLICY_NAME path=/ description="" role=$DEFAULT_ROLE
  while (($#)); do
    case $1 in
      --policy-file) need_value "$1" $#; file=$2; shift ;;
      --policy-name) need_value "$1" $#; name=$2; shift ;;
      --path) need_value "$1" $#; path=$2; shift ;;
      --description) need_value "$1" $#; description=$2; shift ;;
      --role) need_value "$1" $#; role=$2; shift ;;
      *) usage_error "unknown argument '$1' for attach-policy" ;;
    esac
    shift
  done
  [[ $name =~ ^[A-Za-z0-9+=,.@_-]{1,128}$ ]] || usage_error "--policy-name '$name' is not a valid policy name"
  valid_iam_name "$role" || usage_error "--role '$role' is not a valid role name"
  [[ $path =~ ^/([A-Za-z0-9+=,.@_-]+/)*$ ]] || usage_error "--path '$path' must look like / or /team/"

  # The document: valid JSON, kept as written (a stdin document goes through a file).
  local doc_file=$file
  if [[ $file == - ]]; then
    doc_file=$(mktemp)
    TMP_FILES+=("$doc_file")
    cat >"$doc_file"
  elif [[ ! -r $file ]]; then
    usage_error "cannot read policy document '$file'"
  fi
  local wanted
  wanted=$(canonical <"$doc_file" 2>/dev/null) || usage_error "policy document '$file' is not valid JSON"
  [[ $(jq -r 'type' <<<"$wanted") == object ]] || usage_error "policy document '$file' is not a JSON object"

  # The role first: nothing is created for a role that is not there.
  if ! aws_try iam get-role --role-name "$role"; then
    [[ $AWS_CODE == NoSuchEntity ]] && die "$E_NOTFOUND" "IAM role '$role' does not exist: create it" \
      "first (this command attaches policies, it does not create roles). Nothing was changed."
    die "$E_AWS" "reading IAM role '$role': $AWS_ERR"
  fi

  aws_do "identifying the caller" sts get-caller-identity
  local partition account
  partition=$(out_jq -r '.Arn | split(":")[1]')
  account=$(out_jq -r .Account)
  POLICY_ARN="arn:$partition:iam::$account:policy$path$name"

  if ! aws_try iam get-policy --policy-arn "$POLICY_ARN"; then
    [[ $AWS_CODE == NoSuchEntity ]] || die "$E_AWS" "reading policy $POLICY_ARN: $AWS_ERR"
    if ((!DRY_RUN)); then
      local -a create=(iam create-policy --policy-name "$name" --path "$path" --policy-document "file://$doc_file")
      if [[ -n $description ]]; then create+=(--description "$description"); fi
      aws_do "creating policy '$name'" "${create[@]}"
    fi
    mark_changed
    say "$(did create created) policy $POLICY_ARN"
  else
    ensure_default_version "$doc_file" "$wanted"
  fi

  aws_do "listing the policies attached to role '$role'" iam list-attached-role-policies --role-name "$role"
  if jq -e --arg a "$POLICY_ARN" 'any(.AttachedPolicies[]; .PolicyArn == $a)' <<<"$AWS_OUT" >/dev/null; then
    say "policy $name: attached to role $role"
  else
    if ((!DRY_RUN)); then
      aws_do "attaching $POLICY_ARN to role '$role'" iam attach-role-policy --role-name "$role" --policy-arn "$POLICY_ARN"
    fi
    mark_changed
    say "$(did attach attached) policy $name to role $role"
  fi
  finish
}

# ensure_default_version DOC_FILE CANONICAL_DOC: make the document the default version.
ensure_default_version() {
  local doc_file=$1 wanted=$2 default_id versions version
  default_id=$(out_jq -r .Policy.DefaultVersionId)
  version_document "$default_id"
  if [[ $VERSION_DOC == "$wanted" ]]; then
    say "policy $POLICY_ARN: default version $default_id has this document"
    return 0
  fi
  aws_do "listing versions of $POLICY_ARN" iam list-policy-versions --policy-arn "$POLICY_ARN"
  versions=$(out_jq -c '.Versions | sort_by(.CreateDate)')
  # An older version with this very document: make it the default again (a rollback).
  for version in $(jq -r '.[] | select(.IsDefaultVersion | not) | .VersionId' <<<"$versions"); do
    version_document "$version"
    if [[ $VERSION_DOC == "$wanted" ]]; then
      if ((!DRY_RUN)); then
        aws_do "setting $version as default" iam set-default-policy-version --policy-arn "$POLICY_ARN" --version-id "$version"
      fi
      mark_changed
      say "$(did "set the default version" "set the default version") of $POLICY_ARN: $default_id -> $version (same document)"
      return 0
    fi
  done
  if (($(jq length <<<"$versions") >= MAX_POLICY_VERSIONS)); then
    local oldest
    oldest=$(jq -r 'map(select(.IsDefaultVersion | not)) | .[0].VersionId' <<<"$versions")
    if ((!DRY_RUN)); then
      aws_do "deleting the oldest version $oldest" iam delete-policy-version --policy-arn "$POLICY_ARN" --version-id "$oldest"
    fi
    say "$(did delete deleted) version $oldest of $POLICY_ARN (the oldest; IAM keeps $MAX_POLICY_VERSIONS)"
  fi
  if ((!DRY_RUN)); then
    aws_do "creating a new version of $POLICY_ARN" iam create-policy-version --policy-arn "$POLICY_ARN" \
      --policy-document "file://$doc_file" --set-as-default
  fi
  mark_changed
  say "$(did create created) a new default version of $POLICY_ARN (was $default_id)"
}

# -------------------------------------------------------------------------- main

main() {
  local -a rest=()
  local want_help=0 arg
  while (($#)); do
    arg=$1
    if [[ $arg == --*=* ]]; then # --opt=value -> --opt value
      shift
      set -- "${arg%%=*}" "${arg#*=}" "$@"
      arg=$1
    fi
    case $arg in
      --region | --profile | --endpoint-url)
        need_value "$arg" $#
        [[ -n $2 ]] || usage_error "$arg needs a non-empty value"
        AWS_ARGS+=("$arg" "$2")
        shift
        ;;
      --dry-run) DRY_RUN=1 ;;
      -h | --help) want_help=1 ;;
      *)
        if [[ -z $COMMAND && $arg != -* ]]; then COMMAND=$arg; else rest+=("$arg"); fi
        ;;
    esac
    shift
  done

  if [[ $COMMAND == help ]]; then # help [COMMAND]
    COMMAND=${rest[0]:-}
    want_help=1
  fi
  case $COMMAND in
    "")
      if ((want_help)); then help_main; exit 0; fi
      usage_error "no command given: one of list-logs, rename-user, allow-ip, revoke-ip, attach-policy"
      ;;
    list-logs | rename-user | allow-ip | revoke-ip | attach-policy) ;;
    *)
      arg=$COMMAND
      COMMAND=""
      usage_error "unknown command '$arg'"
      ;;
  esac
  if ((want_help)); then
    "help_${COMMAND//-/_}"
    exit 0
  fi

  need_program aws "install the AWS CLI (https://aws.amazon.com/cli/)"
  need_program jq "install jq (apt-get install jq / brew install jq)"
  "cmd_${COMMAND//-/_}" "${rest[@]}"
}

main "$@"
