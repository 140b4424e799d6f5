// Start GOV.UK Frontend's components (skip link, service navigation, buttons, forms...).
import { initAll } from '/static/govuk/govuk-frontend.min.js'

initAll()
