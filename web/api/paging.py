"""Pages of a long API list: flask-smorest's ``page``/``page_size`` arguments and its
``X-Pagination`` header, plus a ``Link`` header (RFC 8288) to the next page, so that a client can
follow the pages without building their addresses."""

from __future__ import annotations

import json
from urllib.parse import urlencode

from flask import request
from flask_smorest import Blueprint


class PagedBlueprint(Blueprint):
    def _set_pagination_metadata(self, page_params, result, headers):
        result, headers = super()._set_pagination_metadata(page_params, result, headers)
        following = json.loads(headers[self.PAGINATION_HEADER_NAME]).get("next_page")
        if following is not None:
            arguments = [
                (name, value)
                for name, value in request.args.items(multi=True)
                if name not in ("page", "page_size")
            ]
            arguments += [("page", following), ("page_size", page_params.page_size)]
            address = request.base_url + "?" + urlencode(arguments)
            headers["Link"] = f'<{address}>; rel="next"'
        return result, headers

    def _document_pagination_metadata(self, spec, resp_doc):
        super()._document_pagination_metadata(spec, resp_doc)
        # The header's value is a JSON text, so it is described as content of that type
        # (OpenAPI 3), not with a schema of type object, which no header value can match.
        resp_doc["headers"][self.PAGINATION_HEADER_NAME] = {
            "description": "The pages: total, total_pages, first_page, last_page, page,"
            " previous_page, next_page (a JSON object).",
            "content": {"application/json": {"schema": "PaginationMetadata"}},
        }
        resp_doc["headers"]["Link"] = {
            "description": 'The next page\'s address, `<...>; rel="next"`; absent on the last.',
            "schema": {"type": "string"},
        }
