// Swagger UI on /api/v1/docs, reading Herald's own OpenAPI document. No call leaves Herald:
// the online validator's badge is off (validatorUrl: null).
(function () {
  "use strict";
  var container = document.getElementById("swagger-ui");
  window.addEventListener("load", function () {
    window.ui = SwaggerUIBundle({
      url: container.dataset.specUrl,
      dom_id: "#swagger-ui",
      validatorUrl: null,
      deepLinking: true,
      presets: [SwaggerUIBundle.presets.apis, SwaggerUIStandalonePreset],
      layout: "BaseLayout",
    });
  });
})();
