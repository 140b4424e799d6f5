"""The pages: one Flask blueprint per audience, registered by the app factory.

public           the start pages
referral         the referral form (a package, one module per kind of page: the task list and
                 question pages, the "add another" lists, check and submit, save for later)
trawl_return     an agency's trawl return, through its link (a package, one module per kind of
                 page: the overview, the question pages, the chronology, check and send)
imr_return       an agency's IMR and checklist, through its link
family_consent   a family member's consent, through their link
panel_feedback   a panel member's answer on a draft, through their link
account          console sign-in and account set-up
console          the DHR officer's console (one module per area)
journey, linked  the multi-page form journey; pages opened through a link
filters          the template filters for UK dates and times

Views parse the request, call the domain (``service.referrals.referring``,
``service.trawls.return_form``, ...) and render; the page forms are ``forms``'.
"""
