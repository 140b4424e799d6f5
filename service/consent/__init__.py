"""Family consent: asking a bereaved family member whether agencies may share what they hold.

links      the family member's link (a short code, typeable from a printed letter)
messages   every email consent sends
requests   the officer or chair asks: by email, or by a letter the police family liaison
           officer hands over
responses  the family member answers (given, declined) and may later withdraw
documents  the letter and the signed form as PDFs
verification  checking it is the family member before an answered form is shown again
"""
