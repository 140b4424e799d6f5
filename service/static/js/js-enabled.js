// Loaded at the start of <body>: tells the CSS that JavaScript is on, and whether GOV.UK
// Frontend's components will run (browsers that support ES modules). It replaces the inline
// script in GOV.UK Frontend's page template, which our Content-Security-Policy does not allow.
document.body.className +=
  ' js-enabled' + ('noModule' in HTMLScriptElement.prototype ? ' govuk-frontend-supported' : '')
