// Start GOV.UK Frontend's components (skip link, service navigation, buttons, forms...).
import { initAll } from '/static/govuk/govuk-frontend.min.js'
import { initTimeoutWarning } from '/static/js/timeout-warning.mjs'

initAll()

const timeoutWarning = document.querySelector('[data-module="app-timeout-warning"]')
if (timeoutWarning) initTimeoutWarning(timeoutWarning)
