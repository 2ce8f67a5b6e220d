#!/usr/bin/env bash
# DEMONSTRATION CREDENTIALS for the examples in deploy/ (compose, the Kubernetes
# overlay, deploy/check.sh): a throwaway RSA key pair and RS256 tokens signed
# with it, so that the examples run with authentication on. Never use them in
# production: there the tokens come from the government identity provider, the
# services get only its public key (--auth-public-key or --auth-jwks), and no
# private key exists on the machines running them. Whatever this script makes
# stays out of images and out of the repository (deploy/credentials/ is in
# .gitignore and .dockerignore).
#
#   deploy/dev-credentials.sh keys DIR
#       makes DIR (mode 700) with
#         jwt-private.pem  the signing key (RSA 2048; stays in DIR)
#         jwt-public.pem   what the services check tokens against (DUBAN_AUTH_PUBLIC_KEY)
#         admin.jwt        roles admin, coordinator: the seed job (registry and
#                          reminder rules), an operator's reads and audit
#         remind.jwt       role coordinator: the reminder job (RunReminderSweep)
#         service.jwt      role reader: the reporting service's own token for its
#                          scheduled sweeps (DUBAN_REGISTRY_TOKEN_FILE)
#       An existing key pair in DIR is kept (the tokens are minted again).
#   deploy/dev-credentials.sh token DIR SUBJECT ROLES [UNIT]
#       prints one more token signed with DIR's key, e.g. a unit's reporter:
#         deploy/dev-credentials.sh token DIR li.ming reporter units/abc123
#       ROLES is comma-separated (admin, coordinator, reporter, reader); UNIT is
#       the unit's resource name (units/…), for reporters.
#
# Tokens carry sub, iss "duban", aud "duban" (the services' defaults for
# --auth-issuer and --auth-audience), iat, exp (DUBAN_DEV_TOKEN_DAYS days, 30 by
# default), roles (a JSON array) and, for a unit's staff, unit. RS256: the
# base64url (unpadded) header and claims, joined by a dot, signed with RSASSA
# PKCS#1 v1.5 over SHA-256 (`openssl dgst -sha256 -sign`). Needs bash and openssl.
set -euo pipefail

usage() { sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//' >&2; exit 2; }

b64url() { openssl base64 -A | tr '+/' '-_' | tr -d '='; }

# json_string TEXT: TEXT as a JSON string (quotes and backslashes escaped;
# control characters are refused).
json_string() {
  local s=$1
  if [[ $s == *[[:cntrl:]]* ]]; then
    echo "control characters are not allowed: $s" >&2
    exit 2
  fi
  s=${s//\\/\\\\}
  s=${s//\"/\\\"}
  printf '"%s"' "$s"
}

# mint DIR SUBJECT ROLES [UNIT]: prints the token.
mint() {
  local dir=$1 subject=$2 roles=$3 unit=${4:-}
  local key="$dir/jwt-private.pem"
  if [ ! -r "$key" ]; then
    echo "$key is missing: run '$0 keys $dir' first" >&2
    exit 1
  fi
  if [ -z "$subject" ] || [ -z "$roles" ]; then usage; fi
  local role roles_json="" sep=""
  local IFS=,
  for role in $roles; do
    case "$role" in
      admin|coordinator|reporter|reader) ;;
      *) echo "unknown role: $role (admin, coordinator, reporter, reader)" >&2; exit 2 ;;
    esac
    roles_json+="$sep\"$role\""
    sep=,
  done
  unset IFS
  if [ -n "$unit" ] && [[ $unit != units/* ]]; then
    echo "the unit is a resource name, units/{id}: $unit" >&2
    exit 2
  fi
  local now days exp claims header signing_input signature
  now=$(date +%s)
  days=${DUBAN_DEV_TOKEN_DAYS:-30}
  exp=$((now + days * 86400))
  header='{"alg":"RS256","typ":"JWT"}'
  claims="{\"sub\":$(json_string "$subject"),\"iss\":\"duban\",\"aud\":\"duban\",\"iat\":$now,\"exp\":$exp,\"roles\":[$roles_json]"
  if [ -n "$unit" ]; then claims+=",\"unit\":$(json_string "$unit")"; fi
  claims+="}"
  signing_input="$(printf '%s' "$header" | b64url).$(printf '%s' "$claims" | b64url)"
  signature=$(printf '%s' "$signing_input" | openssl dgst -sha256 -sign "$key" -binary | b64url)
  printf '%s.%s\n' "$signing_input" "$signature"
}

# write_token DIR FILE SUBJECT ROLES: mints into DIR/FILE, readable by the
# services' user (the files are bind-mounted into containers running as 10001).
write_token() {
  local dir=$1 file=$2
  mint "$dir" "$3" "$4" >"$dir/$file.part"
  chmod 644 "$dir/$file.part"
  mv "$dir/$file.part" "$dir/$file"
}

cmd=${1:-}
case "$cmd" in
  keys)
    [ $# -eq 2 ] || usage
    dir=$2
    mkdir -p "$dir"
    if [ ! -s "$dir/jwt-private.pem" ]; then
      (umask 077 && openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 \
        -out "$dir/jwt-private.pem" 2>/dev/null)
      openssl pkey -in "$dir/jwt-private.pem" -pubout -out "$dir/jwt-public.pem"
    fi
    # The directory is bind-mounted read-only into the containers, which run as
    # the numeric user 10001: the public key and the tokens must be readable by
    # it, the private key stays readable by its owner only.
    chmod 755 "$dir"
    chmod 600 "$dir/jwt-private.pem"
    chmod 644 "$dir/jwt-public.pem"
    write_token "$dir" admin.jwt duban-admin admin,coordinator
    write_token "$dir" remind.jwt duban-remind coordinator
    write_token "$dir" service.jwt duban-reporting reader
    echo "demonstration credentials in $dir: jwt-public.pem, admin.jwt, remind.jwt, service.jwt (jwt-private.pem signs more: $0 token $dir SUBJECT ROLES [UNIT])"
    ;;
  token)
    [ $# -eq 4 ] || [ $# -eq 5 ] || usage
    mint "$2" "$3" "$4" "${5:-}"
    ;;
  -h|--help) usage ;;
  *) usage ;;
esac
